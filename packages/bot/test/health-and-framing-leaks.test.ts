// Finding 9 of issue 7 (the bot's items): /api/health showed child pids, ports and restart counts to
// anyone, and any site could frame the login and chat pages. Now a stranger gets `ok` and the
// version only, and every response says that only the bot's own origin may frame it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { launchBrowser } from './helpers/browser.ts';
import { runCli, statusHeaders, waitFor } from './helpers/instance.ts';
import { signedInBot } from './helpers/signed-in-bot.ts';

/** Evaluated in the page (a string: the tests are compiled without the DOM's types). */
const FORM_SHOWN = `document.querySelector('form') !== null`;

describe('health details and framing', () => {
  const bot = signedInBot();

  test('/api/health without a session: ok and the version, nothing else', async () => {
    const res = await fetch(`${bot.url}/api/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['ok', 'version']);
    assert.equal(body.ok, true);
    const withSession = (await (await bot.fetch('/api/health', { token: bot.token })).json()) as { children: Record<string, { pid: number }> };
    assert.ok(withSession.children.worker?.pid, 'a session sees the children');
    const withStatusKey = (await (await fetch(`${bot.url}/api/health`, { headers: statusHeaders(bot.home) })).json()) as { children: Record<string, unknown> };
    assert.deepEqual(Object.keys(withStatusKey.children).sort(), ['backend', 'vite', 'worker'], 'so does `fluxy status`');
    const wrongKey = (await (await fetch(`${bot.url}/api/health`, { headers: { 'x-fluxy-status': 'guess' } })).json()) as Record<string, unknown>;
    assert.equal(wrongKey.children, undefined);
    const status = await runCli(['status'], bot.env);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /worker\s+running \(pid \d+\)/);
  });

  test('security headers on what the supervisor makes, the chat pages, and what it proxies', async () => {
    const cases: [string, RequestInit & { token?: string }][] = [
      ['/api/health', {}],
      ['/fluxy/login', {}],
      ['/fluxy/', {}],
      ['/api/conversations', {}], // the supervisor's own 401
      ['/', { headers: { accept: 'text/html' } }], // its redirect to the login page
      ['/', { token: bot.token, headers: { accept: 'text/html' } }], // the dashboard, from Vite
      ['/app/api/health', { token: bot.token }], // the owner's backend
    ];
    for (const [path, init] of cases) {
      const res = await bot.fetch(path, init);
      await res.arrayBuffer();
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', path);
      // The chat app's pages carry a whole policy (chat-app.ts); framing stays limited to the bot.
      assert.match(res.headers.get('content-security-policy') ?? '', /(^|; )frame-ancestors 'self'($|;)/, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      // Referrers never leave the bot; the chat app's own pages send none at all.
      assert.equal(res.headers.get('referrer-policy'), path.startsWith('/fluxy/') ? 'no-referrer' : 'same-origin', path);
    }
  });

  test('in Chromium: another origin cannot frame the login page, the bot itself can', async () => {
    const browser = await launchBrowser();
    const framer: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><iframe src="${bot.url}/fluxy/login"></iframe>`);
    });
    await new Promise<void>((r) => framer.listen(0, '127.0.0.1', r));
    try {
      const page = await browser.newPage();
      const framed = page.waitForResponse((r) => r.url() === `${bot.url}/fluxy/login`);
      await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
      await framed;
      // Either the login form renders in the frame, or Chromium puts its error page there.
      const child = page.mainFrame().childFrames()[0]!;
      const outcome = await waitFor('the frame to settle', async () => {
        if (child.url().startsWith('chrome-error://')) return 'blocked';
        return (await child.evaluate(FORM_SHOWN).catch(() => false)) ? 'rendered' : undefined;
      });
      assert.equal(outcome, 'blocked', 'the login page did not render in a foreign frame');

      const own = await browser.newPage();
      await own.goto(`${bot.url}/api/health`);
      await own.evaluate(`new Promise((r) => { const f = document.createElement('iframe'); f.onload = r; f.src = '/fluxy/login'; document.body.append(f); })`);
      assert.equal(await own.mainFrame().childFrames()[0]!.evaluate(FORM_SHOWN), true, 'same origin may frame it');
    } finally {
      framer.close();
      await browser.close();
    }
  });
});
