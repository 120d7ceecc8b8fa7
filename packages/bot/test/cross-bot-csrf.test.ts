// Finding 2 of issue 7: every NAME.my.D is one "site", so SameSite=Lax let a hostile bot's page
// write into Alice's bot with Alice's cookie. Two origins on one site (alice.my.test, evil.my.test),
// a real Chromium, a real bot: the hostile page's form POSTs, no-cors POSTs and WebSocket store
// nothing; the same writes from Alice's own page still work.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, SIBLING_HOSTS_ARG } from './helpers/browser.ts';
import { type Instance, startInstance } from './helpers/instance.ts';

/** The hostile bot's pages: each one attacks the victim as soon as it loads. */
function hostilePages(victim: string): Record<string, string> {
  const form = (action: string) =>
    `<!doctype html><form method="post" action="${victim}${action}"><input name="text" value="pwned by form"></form><script>document.forms[0].submit()</script>`;
  return {
    '/form-notes': form('/app/api/notes'),
    '/form-conversations': form('/api/conversations'),
    '/form-logout': form('/api/portal/logout'),
    '/no-cors': `<!doctype html><script>
      const post = (path, body) => fetch('${victim}' + path, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body });
      window.done = Promise.all([post('/api/conversations', '{}'), post('/app/api/notes', '{"text":"pwned by fetch"}')]).then(() => 'sent', (e) => String(e));
    </script>`,
    '/ws': `<!doctype html><script>
      window.done = new Promise((resolve) => {
        const ws = new WebSocket('${victim.replace('http', 'ws')}/fluxy/ws');
        ws.onopen = () => resolve('open');
        ws.onclose = () => resolve('refused');
      });
    </script>`,
  };
}

describe('cross-bot request forgery (two origins on one site)', () => {
  let bot: Instance;
  let browser: Browser;
  let context: BrowserContext;
  let hostile: Server;
  let victim: string;
  let evil: string;
  let token: string;

  // A document on Alice's origin that never navigates by itself (the login page redirects once signed in).
  const ownPage = () => `${victim}/api/health`;
  const notes = async () => ((await (await bot.fetch('/app/api/notes', { token })).json()) as { notes: { text: string }[] }).notes.map((n) => n.text);
  const conversationList = async () => ((await (await bot.fetch('/api/conversations', { token })).json()) as unknown[] | { conversations: unknown[] });

  before(async () => {
    [bot, browser] = await Promise.all([startInstance(), launchBrowser([SIBLING_HOSTS_ARG])]);
    token = await bot.login();
    victim = `http://alice.my.test:${bot.port}`;
    const pages = hostilePages(victim);
    hostile = createServer((req, res) => {
      const page = pages[req.url ?? ''];
      res.writeHead(page ? 200 : 404, { 'Content-Type': 'text/html' });
      res.end(page ?? 'no');
    });
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
    evil = `http://evil.my.test:${(hostile.address() as AddressInfo).port}`;

    // Alice signs in on her own bot's origin; the browser keeps her cookie for alice.my.test.
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(ownPage());
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/portal/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'pw' }) });
      return res.status;
    });
    assert.equal(status, 200);
    assert.ok((await context.cookies(victim)).some((c) => c.name === 'fluxy_session'));
    await page.close();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    hostile?.close();
    await bot?.stop();
  });

  test("writes from the bot's own page work with the cookie", async () => {
    const page = await context.newPage();
    await page.goto(ownPage());
    const [conversation, note] = await page.evaluate(async () => {
      const json = { 'content-type': 'application/json' };
      const c = await fetch('/api/conversations', { method: 'POST', headers: json, body: '{}' });
      const n = await fetch('/app/api/notes', { method: 'POST', headers: json, body: JSON.stringify({ text: 'written by alice' }) });
      return [c.status, n.status];
    });
    assert.ok(conversation >= 200 && conversation < 300, `conversation: ${conversation}`);
    assert.ok(note >= 200 && note < 300, `note: ${note}`);
    assert.ok((await notes()).includes('written by alice'));
    await page.close();
  });

  test('a hostile page on a sibling origin stores nothing and signs nobody out', async () => {
    const before = { notes: await notes(), conversations: JSON.stringify(await conversationList()) };
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(victim) && r.request().method() === 'POST') refused.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });

    for (const form of ['/form-notes', '/form-conversations', '/form-logout']) {
      const answer = page.waitForResponse((r) => r.url().startsWith(victim) && r.request().method() === 'POST');
      await page.goto(evil + form);
      const res = await answer;
      assert.equal(res.status(), 403, form);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'cross_origin');
    }

    await page.goto(`${evil}/no-cors`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { done: Promise<string> }).done), 'sent');
    await page.goto(`${evil}/ws`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { done: Promise<string> }).done), 'refused');

    assert.deepEqual(refused.sort(), ['403 /api/conversations', '403 /api/conversations', '403 /api/portal/logout', '403 /app/api/notes', '403 /app/api/notes']);
    assert.deepEqual(await notes(), before.notes, 'no note stored');
    assert.equal(JSON.stringify(await conversationList()), before.conversations, 'no conversation created');

    // Alice is still signed in on her own page.
    const own = await context.newPage();
    await own.goto(ownPage());
    assert.equal(await own.evaluate(async () => (await fetch('/api/conversations')).status), 200);
    await own.close();
    await page.close();
  });
});
