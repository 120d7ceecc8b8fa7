// The chat's Undo in Debian's Chromium, against a real bot whose Claude Agent SDK talks to a fake
// Anthropic API: a turn shows the files it changed (and their diff) with an Undo; a turn that
// breaks the backend shows the error with Undo and "Ask the agent to fix it"; Undo brings the
// backend back, the earlier turn's file stays; after a reload each turn still has its Undo.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { lastUserText } from './fakes/anthropic.ts';
import { type AgentBot, BROKEN_ROUTE, GOOD_ROUTE, startAgentBot } from './helpers/agent-bot.ts';
import { launchBrowser } from './helpers/browser.ts';
import { type Instance, waitFor } from './helpers/instance.ts';

describe('undo in the chat app', () => {
  let agent: AgentBot;
  let bot: Instance;
  let browser: Browser;
  let page: Page;
  let token: string;
  const ws = () => `${bot.home}/workspace`;

  before(async () => {
    [agent, browser] = await Promise.all([
      startAgentBot(
        {
          'add hello': { write: 'backend/routes/hello.ts', content: GOOD_ROUTE },
          'break it': { write: 'backend/routes/broken.ts', content: BROKEN_ROUTE },
        },
        'Looking into it.',
      ),
      launchBrowser(),
    ]);
    ({ bot, token } = agent);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.addCookies([{ name: 'fluxy_session', value: token, url: bot.url, httpOnly: true }]);
    page = await context.newPage();
    await page.goto(`${bot.url}/fluxy/`);
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 60_000 });
  });
  after(async () => {
    await browser?.close();
    await agent?.close();
  });

  const send = async (text: string) => {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  };
  const log = () => page.getByRole('log');
  const healthy = () =>
    waitFor('a healthy backend', async () => {
      const h = await bot.fetch('/app/api/health', { token });
      return h.status === 200 && ((await h.json()) as { failedRoutes?: unknown[] }).failedRoutes?.length === 0;
    }, 20_000);

  test('a turn shows its files and diff with an Undo; a breaking turn offers Undo and a fix; Undo brings the backend back', async () => {
    await send('please add hello');
    const turn = log().getByRole('article').filter({ hasText: 'Changed 1 file' });
    await turn.getByRole('button', { name: 'Undo' }).waitFor({ timeout: 60_000 });
    await turn.getByText('Changed 1 file').click();
    await turn.locator('.changed-files').getByText('backend/routes/hello.ts').waitFor();
    await turn.locator('pre.diff').filter({ hasText: "+router.get('/hello'" }).waitFor({ timeout: 10_000 });

    await send('now break it');
    const alert = log().getByRole('alert').filter({ hasText: 'stopped working' });
    await alert.waitFor({ timeout: 60_000 });
    assert.match((await alert.textContent()) ?? '', /broken\.ts/);

    // "Ask the agent to fix it" sends the error to the agent as a message.
    const asked = agent.fake.requests.length;
    await alert.getByRole('button', { name: 'Ask the agent to fix it' }).click();
    await waitFor('the fix request at the model', () => agent.fake.requests.slice(asked).some((r) => lastUserText(r).includes('broken.ts') && lastUserText(r).includes('Please fix it')), 60_000);
    await log().getByText('Looking into it.').waitFor({ timeout: 60_000 });

    await alert.getByRole('button', { name: 'Undo' }).click();
    await log().getByText('Your app is back').waitFor({ timeout: 60_000 });
    await healthy();
    assert.ok(!existsSync(`${ws()}/backend/routes/broken.ts`), 'the broken file is gone');
    assert.ok(existsSync(`${ws()}/backend/routes/hello.ts`), "the earlier turn's file is still there");
  });

  test("after a reload the first turn keeps its Undo, which takes that turn's file away; the checkpoint list shows the history", async () => {
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    const turn = log().getByRole('article').filter({ hasText: 'Changed 1 file' }).first();
    await turn.getByRole('button', { name: 'Undo' }).click();
    await waitFor('hello.ts gone', () => !existsSync(`${ws()}/backend/routes/hello.ts`), 30_000);
    await healthy();

    await page.getByRole('button', { name: 'Checkpoints' }).click();
    const list = page.getByRole('navigation', { name: 'Checkpoints' });
    await list.getByText('Before the first change').waitFor({ timeout: 10_000 });
    assert.ok((await list.getByText('Change by the agent').count()) >= 2);
    assert.ok((await list.getByText('Went back').count()) >= 2);

    // The same panel turns autoRollback on.
    await list.getByRole('checkbox', { name: /Go back by itself/ }).check();
    await waitFor('autoRollback saved', async () => ((await (await bot.fetch('/api/settings', { token })).json()) as { autoRollback?: boolean }).autoRollback === true, 10_000);
  });
});
