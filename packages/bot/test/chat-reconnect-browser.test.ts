// Fluxy restarted in the middle of a conversation, as a person on the chat page sees it: the page
// says it is reconnecting, a message typed meanwhile waits, and once Fluxy is back it is delivered
// exactly once and answered.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConversationWithMessages } from '@fluxy/protocol';
import type { Browser } from 'playwright-core';
import { type FakeAnthropic, lastUserText, startFakeAnthropic } from './fakes/anthropic.ts';
import { launchBrowser } from './helpers/browser.ts';
import { type Instance, runCli, startInstance } from './helpers/instance.ts';
import { PHONE, snap } from './helpers/screenshots.ts';

describe('the chat page across a restart of Fluxy', () => {
  let fake: FakeAnthropic;
  let bot: Instance;
  let browser: Browser;
  const home = mkdtempSync(join(tmpdir(), 'fluxy-reconnect-'));

  before(async () => {
    fake = await startFakeAnthropic((req) => [{ text: `Answer to: ${lastUserText(req).split('\n').at(-1)}` }]);
    [bot, browser] = await Promise.all([startInstance({ home }), launchBrowser()]);
    const r = await runCli(['setup', '--provider', 'anthropic', '--api-key', 'sk-ant-test', '--base-url', fake.url], bot.env);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await browser?.close();
    await bot?.stop();
    await fake?.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('a message typed while Fluxy restarts is delivered once after it is back, and answered', async () => {
    const token = await bot.login();
    const context = await browser.newContext({ viewport: PHONE });
    await context.addCookies([{ name: 'fluxy_session', value: token, url: bot.url, httpOnly: true }]);
    const page = await context.newPage();
    await page.goto(`${bot.url}/fluxy/`);
    const status = page.getByRole('status');
    await status.filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('before the restart');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('log').getByText('Answer to: before the restart').waitFor({ timeout: 60_000 });

    const port = bot.port;
    await bot.stop();
    await status.filter({ hasText: 'Reconnecting' }).waitFor({ timeout: 15_000 });
    await box.fill('sent while away');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('log').getByText('sent while away').waitFor();
    await snap(page, 'chat-reconnecting-phone');

    bot = await startInstance({ home, port, password: null });
    await status.filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await page.getByRole('log').getByText('Answer to: sent while away').waitFor({ timeout: 60_000 });

    const list = (await (await bot.fetch('/api/conversations', { token })).json()) as { conversations: { id: string }[] };
    assert.equal(list.conversations.length, 1, 'one conversation');
    const conversation = (await (await bot.fetch(`/api/conversations/${list.conversations[0]!.id}`, { token })).json()) as ConversationWithMessages;
    const mine = conversation.messages.filter((m) => m.role === 'user').map((m) => m.content);
    assert.deepEqual(mine, ['before the restart', 'sent while away'], 'each message stored once, in order');
    assert.equal(fake.requests.filter((r) => lastUserText(r).includes('sent while away')).length, 1, 'answered once');
    // The page shows each message once, too.
    assert.equal(await page.getByRole('log').getByText('sent while away', { exact: true }).count(), 1);
    await context.close();
  });
});
