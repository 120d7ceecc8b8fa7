// Finding 3 of issue 7 (the bot's half): a sibling bot tossed `fluxy_session=EVIL; Domain=my.D`, the
// browser sent it first, and Alice was signed out. The supervisor and the worker now try every
// session cookie; over https the cookie is `__Host-` (Secure, Path=/, no Domain), which no sibling
// can set at all.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { PKG_DIR } from '../src/shared/paths.ts';
import { PROTO_HEADER, PROXY_HEADER } from '../src/shared/session-token.ts';
import { launchBrowser, SIBLING_HOSTS_ARG } from './helpers/browser.ts';
import { freeBasePort, runCli, waitFor } from './helpers/instance.ts';
import { signedInBot } from './helpers/signed-in-bot.ts';

describe('a tossed session cookie next to the real one', () => {
  const bot = signedInBot();

  test('the owner stays signed in: worker, backend and chat socket', async () => {
    const cookie = `fluxy_session=EVIL; fluxy_session=${bot.token}`;
    assert.equal((await bot.fetch('/api/conversations', { headers: { cookie } })).status, 200);
    assert.equal((await bot.fetch('/app/api/notes', { headers: { cookie } })).status, 200);
    const ws = new WebSocket(`ws://127.0.0.1:${bot.port}/fluxy/ws`, { headers: { cookie } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    ws.close();
    assert.equal((await bot.fetch('/api/conversations', { headers: { cookie: 'fluxy_session=EVIL' } })).status, 401, 'a bad cookie alone is still nobody');
  });

  test('in Chromium: a sibling origin tosses a cookie for the parent domain, the owner keeps working', async () => {
    const browser = await launchBrowser([SIBLING_HOSTS_ARG]);
    const evil: Server = createServer((_req, res) => {
      // A longer Path puts the tossed cookie first in the Cookie header of every /api request.
      res.writeHead(200, { 'Content-Type': 'text/html', 'Set-Cookie': 'fluxy_session=EVIL; Domain=my.test; Path=/api' });
      res.end('<!doctype html>tossed');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const victim = `http://alice.my.test:${bot.port}`;
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${victim}/api/health`);
      const signIn = await page.evaluate(async () => (await fetch('/api/portal/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"password":"pw"}' })).status);
      assert.equal(signIn, 200);
      await page.goto(`http://evil.my.test:${(evil.address() as AddressInfo).port}/`);
      const sent = page.waitForRequest((r) => r.url().startsWith(`${victim}/api/conversations`));
      await page.goto(`${victim}/api/health`);
      const status = await page.evaluate(async () => (await fetch('/api/conversations')).status);
      const header = (await (await sent).allHeaders()).cookie ?? '';
      assert.match(header, /^fluxy_session=EVIL; fluxy_session=/, 'the tossed cookie really came first');
      assert.equal(status, 200);
      await context.close();
    } finally {
      evil.close();
      await browser.close();
    }
  });
});

describe('the session cookie over https', () => {
  const secret = 'a-test-secret-of-some-length-0123456789';
  let home: string;
  let worker: ChildProcess;
  let url: string;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'fluxy-cookie-'));
    assert.equal((await runCli(['setup', '--password', 'pw'], { FLUXY_HOME: home })).code, 0);
    const port = await freeBasePort();
    url = `http://127.0.0.1:${port}`;
    // The real worker process, spoken to as the supervisor speaks to it on the tunnel ingress (x-fluxy-proto).
    worker = spawn(process.execPath, ['--import', 'tsx', join(PKG_DIR, 'src/worker/main.ts')], {
      env: { ...process.env, FLUXY_HOME: home, PORT: String(port), FLUXY_INTERNAL_SECRET: secret },
      stdio: 'ignore',
    });
    await waitFor('the worker', async () => (await fetch(`${url}/api/health`)).ok);
  });
  after(async () => {
    if (worker && worker.exitCode === null) {
      const gone = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await gone;
    }
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const login = (proto: 'http' | 'https') =>
    fetch(`${url}/api/portal/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PROXY_HEADER]: secret, [PROTO_HEADER]: proto },
      body: JSON.stringify({ password: 'pw' }),
    });

  test('https: __Host-fluxy_session, Secure, Path=/, no Domain; http: fluxy_session', async () => {
    const secure = await login('https');
    const session = secure.headers.getSetCookie().find((c) => c.startsWith('__Host-fluxy_session='));
    assert.ok(session, secure.headers.getSetCookie().join(' | '));
    assert.match(session, /; Secure/);
    assert.match(session, /; Path=\/(;|$)/);
    assert.doesNotMatch(session, /Domain=/i);
    const plain = (await login('http')).headers.getSetCookie().find((c) => c.startsWith('fluxy_session='));
    assert.ok(plain);
    assert.doesNotMatch(plain, /Secure/);

    const token = /^__Host-fluxy_session=([^;]+)/.exec(session)![1]!;
    const res = await fetch(`${url}/api/conversations`, { headers: { cookie: `fluxy_session=EVIL; __Host-fluxy_session=${token}` } });
    assert.equal(res.status, 200, 'the __Host- cookie wins over a tossed plain one');
  });
});
