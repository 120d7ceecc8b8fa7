// The contract's auth table, end to end through a real supervisor, worker, Vite and backend.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Instance, startInstance, waitFor } from './helpers/instance.ts';
import { signedInBot } from './helpers/signed-in-bot.ts';

describe('every route behind the portal session', () => {
  const bot = signedInBot();

  test('/api/health answers without a session (GET and HEAD)', async () => {
    const res = await bot.fetch('/api/health');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { ok: boolean }).ok, true);
    assert.equal((await bot.fetch('/api/health', { method: 'HEAD' })).status, 200);
  });

  test("the owner's session never reaches the workspace backend, nor spoofed client addresses", async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      `${bot.home}/workspace/backend/routes/echo-headers.ts`,
      "import { Router } from 'express';\nconst r = Router();\nr.get('/echo-headers', (req, res) => { res.json(req.headers); });\nexport default r;\n",
    );
    const get = (headers: Record<string, string>) => bot.fetch('/app/api/echo-headers', { headers });
    await waitFor('the echo route', async () => (await get({ authorization: `Bearer ${bot.token}` })).status === 200, 30_000, 100);
    const viaCookie = (await (await get({ cookie: `theme=dark; fluxy_session=${bot.token}; lang=pt`, 'x-real-ip': '6.6.6.6', forwarded: 'for=6.6.6.6' })).json()) as Record<string, string>;
    assert.equal(viaCookie.cookie, 'theme=dark; lang=pt');
    assert.equal(viaCookie['x-real-ip'], undefined);
    assert.equal(viaCookie.forwarded, undefined);
    assert.equal(viaCookie['x-forwarded-for'], '127.0.0.1');
    const viaBearer = (await (await get({ authorization: `Bearer ${bot.token}` })).json()) as Record<string, string>;
    assert.equal(viaBearer.authorization, undefined);
    assert.ok(!JSON.stringify(viaBearer).includes(bot.token));
  });

  for (const path of ['/', '/api/conversations', '/app/api/health', '/src/App.tsx', '/api/settings']) {
    test(`${path} is 401 JSON without a session, 200 with one`, async () => {
      const anon = await bot.fetch(path, { headers: { accept: '*/*' } });
      assert.equal(anon.status, 401);
      const body = (await anon.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'unauthorized');
      const authed = await bot.fetch(path, { token: bot.token });
      assert.equal(authed.status, 200, `${path} with a token`);
    });
  }

  test('a browser asking for a page is sent to the login screen and back', async () => {
    const res = await bot.fetch('/some/page?x=1', { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `/fluxy/login?next=${encodeURIComponent('/some/page?x=1')}`);
    const login = await bot.fetch('/fluxy/login');
    assert.equal(login.status, 200);
    assert.match(login.headers.get('content-type') ?? '', /text\/html/);
  });

  test('login sets an HttpOnly SameSite=Lax cookie that works on its own', async () => {
    const res = await bot.fetch('/api/portal/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'pw' }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { token: string; expiresAt: string };
    assert.ok(Date.parse(body.expiresAt) > Date.now() + 6 * 24 * 3600_000, 'about 7 days');
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^fluxy_session=[\w-]+;/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\//);
    const page = await bot.fetch('/api/conversations', { headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(page.status, 200);
  });

  test('GET /api/portal/login takes Basic auth', async () => {
    const ok = await bot.fetch('/api/portal/login', { headers: { authorization: `Basic ${Buffer.from(':pw').toString('base64')}` } });
    assert.equal(ok.status, 200);
    assert.ok(((await ok.json()) as { token: string }).token);
  });

  test('/app/api/* reaches the backend with the prefix stripped', async () => {
    const res = await bot.fetch('/app/api/health', { token: bot.token });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { ok: boolean }).ok, true);
  });

  test('/fluxy/widget.js is served without a session', async () => {
    const res = await bot.fetch('/fluxy/widget.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await res.text()).length > 100);
  });

  test('a wrong token is 401; logout ends the session at once', async () => {
    assert.equal((await bot.fetch('/api/conversations', { token: 'not-a-token' })).status, 401);
    const mine = await bot.login();
    assert.equal((await bot.fetch('/api/conversations', { token: mine })).status, 200);
    const out = await bot.fetch('/api/portal/logout', { method: 'POST', token: mine });
    assert.equal(out.status, 200);
    assert.equal((await bot.fetch('/api/conversations', { token: mine })).status, 401);
    assert.equal((await bot.fetch('/api/conversations', { token: bot.token })).status, 200, 'other sessions live on');
  });

  test('the worker port itself refuses requests without a session (no route trusts loopback)', async () => {
    const workerPort = bot.port + 1;
    const res = await fetch(`http://127.0.0.1:${workerPort}/api/conversations`);
    assert.equal(res.status, 401);
    const forged = await fetch(`http://127.0.0.1:${workerPort}/api/internal/provider-settings`, {
      headers: { 'x-fluxy-internal': 'guess' },
    });
    assert.equal(forged.status, 401);
    const viaSupervisor = await bot.fetch('/api/internal/provider-settings', { headers: { 'x-fluxy-internal': 'guess' }, token: bot.token });
    assert.equal(viaSupervisor.status, 403, 'a session is not the supervisor');
  });

  test('failed logins slow down with Retry-After, and the right password then still works', async () => {
    const attempt = () =>
      bot.fetch('/api/portal/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'mallory', password: 'wrong' }),
      });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const res = await attempt();
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'too_many_attempts');
      }
    }
    assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401]);
    assert.ok(statuses.includes(429), `got ${statuses}`);
    assert.ok(Number(retryAfter) >= 1);
    // Parallel guesses, each under a new name, must not slip past the throttle either.
    await waitFor('the throttle to cool down', () => bot.login().catch(() => undefined), 15_000, 250);
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        bot.fetch('/api/portal/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: `u${i}`, password: 'wrong' }),
        }),
      ),
    );
    const checked = burst.filter((r) => r.status === 401).length;
    assert.ok(checked <= 4, `${checked} of 30 parallel guesses were checked`);
    // Everything here arrives from loopback (as tunnel traffic does): loopback is slowed, never banned.
    const token = await waitFor('the owner to get back in', () => bot.login().catch(() => undefined), 15_000, 250);
    assert.ok(token);
  });
});

describe('before a password exists', () => {
  let bot: Instance;
  before(async () => {
    bot = await startInstance({ password: null });
  });
  after(() => bot?.stop());

  test('start prints a one-time setup link that signs the browser in once', async () => {
    const { readFileSync, statSync } = await import('node:fs');
    const file = `${bot.home}/setup-token`;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const token = readFileSync(file, 'utf8').trim();
    assert.ok(bot.output().includes(`${bot.url}/fluxy/setup#${token}`), 'link printed, token in the fragment only');

    const login = await bot.fetch('/api/portal/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'anything' }),
    });
    assert.equal(login.status, 403);
    assert.equal(((await login.json()) as { error: { code: string } }).error.code, 'setup_required');

    const exchange = () =>
      bot.fetch('/api/portal/setup-token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    const first = await exchange();
    assert.equal(first.status, 200);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(cookie, /^fluxy_session=/);
    const status = await bot.fetch('/api/onboard/status', { headers: { cookie } });
    assert.deepEqual(((await status.json()) as { configured: boolean }).configured, false);
    assert.equal((await exchange()).status, 401, 'the link works once');

    const onboard = await bot.fetch('/api/onboard', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'secret-pw', provider: 'anthropic', apiKey: 'sk-test' }),
    });
    assert.equal(onboard.status, 200);
    assert.equal(((await onboard.json()) as { configured: boolean }).configured, true);
    assert.ok(await bot.login('secret-pw'));
    const settings = (await (await bot.fetch('/api/settings', { headers: { cookie } })).json()) as Record<string, unknown>;
    assert.equal(settings.hasApiKey, true);
    assert.ok(!JSON.stringify(settings).includes('sk-test'), 'secrets are never returned');
    const change = await bot.fetch('/api/onboard', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'hijacked' }),
    });
    assert.equal(change.status, 403, 'changing the password needs the current one');
    const other = await bot.login('secret-pw');
    const changed = await bot.fetch('/api/onboard', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'newer-pw', currentPassword: 'secret-pw' }),
    });
    assert.equal(changed.status, 200);
    assert.equal((await bot.fetch('/api/onboard/status', { headers: { cookie } })).status, 200, 'the session that changed it lives on');
    assert.equal((await bot.fetch('/api/conversations', { token: other })).status, 401, 'every other session is signed out');
    assert.ok(await bot.login('newer-pw'));
  });
});
