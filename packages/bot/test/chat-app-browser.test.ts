// The chat app in Debian's Chromium, against a real bot whose Claude Agent SDK talks to a fake
// Anthropic API: sign-in, an answer streamed token by token as Markdown with code, a tool step with
// its file, hostile HTML left inert, a second device joining mid-answer, Stop, an image attachment
// and a voice note. Screenshots of the chat and the login go to test-results/screenshots/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type AnthropicStep, type FakeAnthropic, lastToolResults, lastUserText, startFakeAnthropic } from './fakes/anthropic.ts';
import { type FakeOpenAI, startFakeOpenAI } from './fakes/openai.ts';
import { launchBrowser } from './helpers/browser.ts';
import { explained, type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { DESKTOP, PHONE, snap } from './helpers/screenshots.ts';

const HOSTILE = [
  'Here is **bold** text and a list:\n\n- one\n- two\n\n',
  '```ts\nconst answer: number = 42;\n```\n\n',
  '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>\n\n',
  '[click me](javascript:window.__pwned=3) and [the docs](https://example.com/docs)\n\n',
  '![tracker](https://example.com/pixel.png) done.',
];

function streamed(pieces: string[], gapMs: number): AnthropicStep[] {
  return pieces.flatMap((text, i) => (i === 0 ? [{ text }] : [{ delayMs: gapMs }, { text }]));
}

describe('the chat app in a browser', () => {
  let fake: FakeAnthropic;
  let whisper: FakeOpenAI;
  let bot: Instance;
  let browser: Browser;
  let token: string;
  let transcription: { text: string } | { status: number; message?: string } = { text: 'make the header blue' };

  before(async () => {
    fake = await startFakeAnthropic((req) => {
      const text = lastUserText(req);
      if (lastToolResults(req).length > 0) return [{ text: 'Saved the note.' }];
      if (text.includes('write a note')) {
        return [{ text: 'Writing it.' }, { toolUse: { name: 'Write', input: { file_path: `${bot.home}/workspace/notes.md`, content: '# Notes\n' } } }];
      }
      if (text.includes('show me markdown')) return streamed(HOSTILE, 250);
      if (text.includes('fail with 401')) return [{ status: 401, errorType: 'authentication_error', message: 'invalid x-api-key' }];
      if (text.includes('count slowly')) return [{ text: 'one ' }, { delayMs: 300 }, { text: 'two ' }, { delayMs: 8000 }, { text: 'never' }];
      return [{ text: 'OK' }];
    });
    whisper = await startFakeOpenAI(undefined, () => transcription);
    // Chromium's fake microphone (a tone) and no permission prompt, for the voice note.
    [bot, browser] = await Promise.all([startInstance({ env: { FLUXY_AGENT_MAX_RETRIES: '0' } }), launchBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'])]);
    const r = await runCli(['setup', '--provider', 'anthropic', '--model', 'claude-sonnet-4-5', '--api-key', 'sk-ant-test', '--base-url', fake.url], bot.env);
    assert.equal(r.code, 0, r.stderr);
    token = await bot.login();
    const set = await bot.fetch('/api/settings', {
      method: 'PUT',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ whisperKey: 'sk-whisper-test', whisperBaseUrl: whisper.url }),
    });
    assert.equal(set.status, 200, await set.text());
  });
  after(async () => {
    await browser?.close();
    await bot?.stop();
    await fake?.close();
    await whisper?.close();
  });

  async function signedIn(
    viewport = PHONE,
    extra: Parameters<Browser['newContext']>[0] = {},
    prepare?: (page: Page) => Promise<void>,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, ...extra });
    await context.addCookies([{ name: 'fluxy_session', value: token, url: bot.url, httpOnly: true }]);
    const page = await context.newPage();
    await prepare?.(page);
    await page.goto(`${bot.url}/fluxy/`);
    await explained(bot, page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 }));
    return { context, page };
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  }

  test('login: a wrong password shows an alert, the right one opens the chat; no error in the console', async () => {
    for (const [label, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${bot.url}/fluxy/`);
      await page.waitForURL(/\/fluxy\/login\?next=/);
      await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
      assert.deepEqual(errors, [], 'visiting the login page logs nothing');
      await snap(page, `login-${label}`);
      // The names are the labels alone: no "(optional)", no "Show" from the toggle.
      await page.getByRole('textbox', { name: 'Username', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Show password', exact: true }).waitFor();
      await page.getByLabel('Password', { exact: true }).fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
      await snap(page, `login-error-${label}`);
      await page.getByLabel('Password', { exact: true }).fill('pw');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${bot.url}/fluxy/`);
      await page.getByRole('textbox', { name: 'Message' }).waitFor();
      await explained(bot, page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 }));
      if (label === 'phone') await snap(page, 'chat-empty-phone');
      await context.close();
    }
  });

  test('an answer streams token by token as Markdown and code; hostile HTML is inert; a second device joins mid-answer', async () => {
    const { context, page } = await signedIn(PHONE);
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // Every change of the streaming row's text, as the page saw it.
    await page.evaluate(`window.__lengths = [];
        new MutationObserver(() => {
          const live = document.querySelector('.msg-live');
          if (live) window.__lengths.push(live.textContent.length);
        }).observe(document.body, { subtree: true, childList: true, characterData: true });`);
    await send(page, 'show me markdown');
    const log = page.getByRole('log');
    await log.getByText('Here is').waitFor({ timeout: 60_000 });

    // A second device (a desktop in dark mode) opens the chat while the answer is being written.
    const second = await signedIn(DESKTOP, { colorScheme: 'dark' });
    await explained(bot, second.page.getByRole('log').getByText('Here is').waitFor({ timeout: 30_000 }));

    await log.getByRole('link', { name: 'the docs' }).waitFor({ timeout: 60_000 });
    await explained(bot, page.locator('.msg-bot:not(.msg-live)').filter({ hasText: 'done.' }).waitFor({ timeout: 60_000 }));
    await explained(bot, second.page.locator('.msg-bot:not(.msg-live)').filter({ hasText: 'done.' }).waitFor({ timeout: 60_000 }));

    const lengths = (await page.evaluate('window.__lengths')) as number[];
    const distinct = [...new Set(lengths.filter((n) => n > 0))];
    assert.ok(distinct.length >= 4, `the answer grew in steps: ${distinct.join(', ')}`);

    for (const p of [page, second.page]) {
      const answer = p.locator('.msg-bot').last();
      assert.equal(await answer.locator('strong').first().textContent(), 'bold');
      assert.equal(await answer.locator('li').count(), 2);
      await answer.locator('code.language-ts .hljs-keyword').first().waitFor({ timeout: 10_000 });
      assert.match((await answer.locator('pre').textContent()) ?? '', /const answer: number = 42;/);
      // The hostile parts are text, not elements; the javascript: link is no link; no remote image.
      assert.equal(await answer.locator('script, img, iframe').count(), 0);
      assert.match((await answer.textContent()) ?? '', /<script>window.__pwned=2<\/script>/);
      assert.equal(await answer.getByRole('link', { name: 'click me' }).count(), 0);
      assert.equal(await answer.getByRole('link', { name: 'the docs' }).getAttribute('href'), 'https://example.com/docs');
      assert.equal(await answer.getByRole('link', { name: 'the docs' }).getAttribute('rel'), 'noopener noreferrer nofollow');
      assert.equal(await p.evaluate('window.__pwned'), undefined);
    }
    assert.deepEqual(errors, [], 'nothing refused by the content security policy, no other error');
    await snap(page, 'chat-answer-phone');
    await snap(second.page, 'chat-answer-desktop-dark');
    await Promise.all([context.close(), second.context.close()]);
  });

  test('a tool step shows with its file while the agent works; finished messages are not touched by the stream', async () => {
    const { context, page } = await signedIn(DESKTOP);
    // The earlier answer, fully drawn (its code highlighted), is watched while the next one streams.
    await explained(bot, page.locator('.msg-bot pre .hljs-keyword').first().waitFor({ timeout: 30_000 }));
    await page.evaluate(`window.__touched = 0;
      for (const row of document.querySelectorAll('[role=log] .msg')) {
        new MutationObserver((changes) => { window.__touched += changes.length; })
          .observe(row, { subtree: true, childList: true, characterData: true, attributes: true });
      }`);
    await send(page, 'please write a note');
    const step = page.getByRole('log').locator('.tool').filter({ hasText: 'Write' });
    await explained(bot, step.waitFor({ timeout: 60_000 }));
    await explained(bot, step.filter({ hasText: 'notes.md' }).waitFor({ timeout: 30_000 }));
    await explained(bot, page.getByRole('log').getByText('Saved the note.').waitFor({ timeout: 60_000 }));
    await page.locator('.tool-done').filter({ hasText: 'notes.md' }).waitFor();
    assert.equal(await page.evaluate('window.__touched'), 0, 'no finished row changed while the answer streamed');
    await snap(page, 'chat-tool-desktop');
    await context.close();
  });

  test('Stop ends the answer and keeps what was written', async () => {
    const { context, page } = await signedIn(PHONE);
    await send(page, 'count slowly');
    await explained(bot, page.getByRole('log').getByText('two').waitFor({ timeout: 60_000 }));
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('log').getByText('Stopped').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('log').getByText('never').count(), 0);
    await context.close();
  });

  test('an image attached with the picker reaches the model as an image, in a new conversation', async () => {
    // Two races a quick thumb can win, each held open here: the page's first history load is
    // answered only after `New conversation` (it must not pull the view back to the old
    // conversation), and the server learns of the new conversation only once the message would
    // have gone, or after 3 s (a message sent before that would land, unseen, in the old one).
    let newClicked!: () => void;
    const clicked = new Promise<void>((resolve) => (newClicked = resolve));
    let messageSent!: () => void;
    const sent = new Promise<void>((resolve) => (messageSent = resolve));
    const { context, page } = await signedIn(PHONE, {}, async (p) => {
      p.on('websocket', (ws) => ws.on('framesent', (f) => String(f.payload).includes('"user:message"') && messageSent()));
      await p.route('**/api/context/current', async (route) => {
        await clicked;
        await route.continue();
      });
      await p.route('**/api/context/set', async (route) => {
        await Promise.race([sent, new Promise((r) => setTimeout(r, 3_000))]);
        await route.continue();
      });
    });
    // The stopped turn above stays in its conversation; this starts afresh.
    const history = page.waitForResponse((r) => /\/api\/conversations\/[^/]+$/.test(new URL(r.url()).pathname));
    await page.getByRole('button', { name: 'New conversation' }).click();
    newClicked();
    await history;
    await page.getByRole('heading', { name: 'What shall we build?' }).waitFor();
    assert.equal(await page.getByRole('log').locator('.msg').count(), 0);
    // A 1x1 PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Attach files' }).click()]);
    await chooser.setFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('list', { name: 'Files to send' }).getByText('dot.png').waitFor();
    await snap(page, 'chat-attachment-phone');
    const before = fake.requests.length;
    await send(page, 'what is in this picture');
    await page.getByRole('log').locator('img[alt="dot.png"]').waitFor();
    await explained(bot, page.locator('.msg-bot').filter({ hasText: 'OK' }).last().waitFor({ timeout: 60_000 }));
    const request = fake.requests.slice(before).find((r) => JSON.stringify(r.body.messages).includes('what is in this picture'));
    assert.ok(request, 'the model was asked');
    const blocks = JSON.stringify(request.body.messages);
    assert.match(blocks, /"type":"image"/);
    assert.ok(blocks.includes(png.toString('base64')), 'the picture itself');

    // The earlier conversation is in the list and opens again.
    await page.getByRole('button', { name: 'Conversations' }).click();
    const list = page.getByRole('navigation', { name: 'Conversations' });
    await list.getByRole('button', { name: /show me markdown/ }).waitFor();
    await snap(page, 'chat-conversations-phone');
    await list.getByRole('button', { name: /show me markdown/ }).click();
    await page.getByRole('log').getByText('count slowly').waitFor();
    assert.equal(await page.getByRole('log').getByText('what is in this picture').count(), 0);
    await context.close();
  });

  test('a recorded voice note comes back as text in the composer', async () => {
    const context = await browser.newContext({ viewport: PHONE, permissions: ['microphone'] });
    await context.addCookies([{ name: 'fluxy_session', value: token, url: bot.url, httpOnly: true }]);
    const page = await context.newPage();
    await page.goto(`${bot.url}/fluxy/`);
    await explained(bot, page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 }));
    await page.getByRole('button', { name: 'Record voice message' }).click();
    await page.getByRole('button', { name: 'Stop recording' }).waitFor();
    // The recording's clock: a second of the fake microphone's tone.
    await page.getByText('0:01').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Stop recording' }).click();
    const box = page.getByRole('textbox', { name: 'Message' });
    await waitFor('the transcription in the composer', async () => (await box.inputValue()) === 'make the header blue', 30_000);
    assert.equal(whisper.transcriptions.length, 1);
    assert.ok((whisper.transcriptions[0]!.file?.bytes.length ?? 0) > 0, 'audio was uploaded');

    // A transcription that fails says so, and the microphone can be used again.
    transcription = { status: 500, message: 'whisper is down' };
    await page.getByRole('button', { name: 'Record voice message' }).click();
    await page.getByText('0:01').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await explained(bot, page.getByRole('log').getByRole('alert').filter({ hasText: 'whisper is down' }).waitFor({ timeout: 30_000 }));
    assert.ok(await page.getByRole('button', { name: 'Record voice message' }).isEnabled());
    await context.close();
  });

  test('an error from the model shows in place, with its message', async () => {
    const { context, page } = await signedIn(PHONE);
    await page.getByRole('button', { name: 'New conversation' }).click();
    await send(page, 'fail with 401');
    const error = page.getByRole('log').locator('.msg-error, .msg-notice');
    await explained(bot, error.first().waitFor({ timeout: 60_000 }));
    assert.match((await error.first().textContent()) ?? '', /x-api-key|key|auth/i);
    await snap(page, 'chat-error-phone');
    await context.close();
  });
});
