import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashToken } from '../src/tokens.ts';
import { createFakeDns } from './fake-dns.ts';
import { api, DOMAIN, registerBot, request, startRelay, type TestRelay } from './helpers.ts';
import { startTarget, type Target } from './target.ts';

let target: Target;
let dev: TestRelay; // --allow-private-targets, as in development
let prod: TestRelay; // the default: private targets refused
const dns = createFakeDns({ 'bot.trycloudflare.com': ['104.16.0.1'] });

before(async () => {
  target = await startTarget();
  dev = await startRelay({ maxConcurrentPerHandle: 2 });
  prod = await startRelay({
    allowPrivateTargets: false,
    lookup: dns.lookup,
    registerLimit: { max: 3, windowSeconds: 60 },
    availabilityLimit: { max: 5, windowSeconds: 60 },
  });
});
after(async () => {
  await dev?.close();
  await prod?.close();
  await target?.close();
});

const TOKEN_ROUTES: [string, string, unknown][] = [
  ['PUT', '/api/tunnel', { tunnelUrl: 'http://127.0.0.1:1' }],
  ['POST', '/api/heartbeat', {}],
  ['POST', '/api/disconnect', {}],
  ['POST', '/api/handle/change', { username: 'stolen' }],
  ['DELETE', '/api/handle', undefined],
];

test('every token route: a missing, wrong or malformed token is 401', async () => {
  await registerBot(dev.url, 'owner', target.url);
  for (const [method, path, body] of TOKEN_ROUTES) {
    for (const auth of [undefined, 'Bearer fxr_wrong', 'Bearer ', 'Basic b3duZXI6eA==', 'fxr_notbearer']) {
      const res = await request(dev.url, {
        method,
        path,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.equal(res.status, 401, `${method} ${path} with ${auth}`);
      assert.equal(res.json().error.code, 'unauthorized');
    }
  }
  assert.equal((await request(dev.url, { host: `owner.my.${DOMAIN}` })).status, 200);
});

test("one handle's token cannot move, rename onto or release another", async () => {
  const other = await startTarget();
  try {
    const a = await registerBot(dev.url, 'alice', target.url);
    await registerBot(dev.url, 'bob', other.url);
    // Alice's token moves Alice only.
    assert.equal((await api(dev.url, 'PUT', '/api/tunnel', { tunnelUrl: other.url }, a)).json().username, 'alice');
    await request(dev.url, { host: `bob.my.${DOMAIN}`, path: '/still-bob' });
    assert.equal(other.seen.at(-1)?.url, '/still-bob');
    const rename = await api(dev.url, 'POST', '/api/handle/change', { username: 'bob' }, a);
    assert.equal(rename.status, 409);
    assert.equal(rename.json().error.code, 'handle_taken');
    assert.equal((await api(dev.url, 'DELETE', '/api/handle', undefined, a)).json().released, 'alice');
    assert.equal((await request(dev.url, { host: `bob.my.${DOMAIN}` })).status, 200);
    assert.equal((await request(dev.url, { host: `alice.my.${DOMAIN}` })).status, 404);
  } finally {
    await other.close();
  }
});

test('the database and the logs hold no raw token, only its SHA-256', async () => {
  const reg = await api(dev.url, 'POST', '/api/register', { username: 'secretive', tier: 'free' });
  const token: string = reg.json().token;
  assert.match(token, /^fxr_[A-Za-z0-9_-]{43}$/);
  await api(dev.url, 'POST', '/api/heartbeat', {}, token);
  const bytes = readdirSync(dev.dir)
    .filter((f) => f.startsWith('relay.db'))
    .map((f) => readFileSync(join(dev.dir, f)).toString('latin1'))
    .join('');
  assert.equal(bytes.includes(token), false);
  assert.equal(bytes.includes(token.slice(4)), false);
  assert.equal(bytes.includes(hashToken(token)), true);
  assert.equal((await dev.relay.store.getHandle('secretive', 'free'))?.tokenHash, hashToken(token));
  assert.ok(dev.logs.length > 0);
  assert.equal(dev.logs.some((l) => l.includes(token.slice(4))), false);
});

test('invalid, reserved and taken names are refused with their reason', async () => {
  await registerBot(dev.url, 'taken-name', target.url);
  const cases: [string, string, number, string][] = [
    ['ab', 'invalid', 400, 'invalid_handle'],
    ['a'.repeat(33), 'invalid', 400, 'invalid_handle'],
    ['-abc', 'invalid', 400, 'invalid_handle'],
    ['abc-', 'invalid', 400, 'invalid_handle'],
    ['a_bc', 'invalid', 400, 'invalid_handle'],
    ['a.bc', 'invalid', 400, 'invalid_handle'],
    ['xn--abc', 'invalid', 400, 'invalid_handle'],
    ['www', 'reserved', 409, 'handle_reserved'],
    ['api', 'reserved', 409, 'handle_reserved'],
    ['admin', 'reserved', 409, 'handle_reserved'],
    ['my', 'invalid', 400, 'invalid_handle'],
    ['healthz', 'reserved', 409, 'handle_reserved'],
    ['taken-name', 'taken', 409, 'handle_taken'],
  ];
  for (const [name, reason, status, code] of cases) {
    const avail = await api(dev.url, 'GET', `/api/handles/${encodeURIComponent(name)}?tier=free`);
    assert.deepEqual(avail.json(), { available: false, reason, ...(reason === 'invalid' ? {} : { host: `${name}.my.${DOMAIN}` }) }, name);
    const reg = await api(dev.url, 'POST', '/api/register', { username: name, tier: 'free' });
    assert.equal(reg.status, status, name);
    assert.equal(reg.json().error.code, code, name);
  }
  assert.deepEqual((await api(dev.url, 'GET', '/api/handles/fresh-name')).json(), { available: true, host: `fresh-name.my.${DOMAIN}` });
  assert.deepEqual((await api(dev.url, 'GET', '/api/handles/fresh-name?tier=premium')).json(), { available: false, reason: 'entitlement_required', host: `fresh-name.${DOMAIN}` });
  const premium = await api(dev.url, 'POST', '/api/register', { username: 'fresh-name', tier: 'premium' });
  assert.equal(premium.status, 403);
  assert.equal(premium.json().error.code, 'entitlement_required');
  // Released names cool off for others; the old token may reclaim.
  const t = await registerBot(dev.url, 'leaving', target.url);
  assert.equal((await api(dev.url, 'DELETE', '/api/handle', undefined, t)).status, 200);
  assert.deepEqual((await api(dev.url, 'GET', '/api/handles/leaving')).json(), { available: false, reason: 'cooling_off', host: `leaving.my.${DOMAIN}` });
  assert.equal((await api(dev.url, 'POST', '/api/register', { username: 'leaving' })).json().error.code, 'handle_cooling_off');
  assert.equal((await api(dev.url, 'POST', '/api/register', { username: 'leaving' }, t)).status, 201);
});

test('rate limits on registration and availability answer 429 with Retry-After', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await api(prod.url, 'GET', `/api/handles/probe${i}`)).status, 200);
  const limited = await api(prod.url, 'GET', '/api/handles/probe9');
  assert.equal(limited.status, 429);
  assert.equal(limited.json().error.code, 'rate_limited');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  for (let i = 0; i < 3; i++) assert.equal((await api(prod.url, 'POST', '/api/register', { username: `user${i}` })).status, 201);
  const reg = await api(prod.url, 'POST', '/api/register', { username: 'user9' });
  assert.equal(reg.status, 429);
  assert.ok(Number(reg.headers['retry-after']) >= 1);
});

test('without --allow-private-targets: loopback, private, link-local (v4, v6, names) are refused', async () => {
  const token = await freshToken();
  dns.table['evil.example.com'] = ['192.168.1.20'];
  dns.table['evil6.example.com'] = ['fe80::1'];
  for (const tunnelUrl of [
    'http://127.0.0.1:3000', 'http://localhost:3000', 'http://10.0.0.1', 'http://192.168.1.1', 'http://169.254.169.254',
    'http://[::1]:3000', 'http://[fe80::1]', 'http://[fd00::1]', 'http://[::ffff:127.0.0.1]', 'http://evil.example.com',
    'http://evil6.example.com',
  ]) {
    const res = await api(prod.url, 'PUT', '/api/tunnel', { tunnelUrl }, token);
    assert.equal(res.status, 400, tunnelUrl);
    assert.equal(res.json().error.code, 'forbidden_tunnel_url', tunnelUrl);
    const hb = await api(prod.url, 'POST', '/api/heartbeat', { tunnelUrl }, token);
    assert.equal(hb.status, 400, tunnelUrl);
  }
  assert.equal((await api(prod.url, 'PUT', '/api/tunnel', { tunnelUrl: 'https://bot.trycloudflare.com' }, token)).status, 200);

  async function freshToken(): Promise<string> {
    // The registration limit is spent; a store-level handle stands in for a new one.
    const { createToken } = await import('../src/tokens.ts');
    const t = createToken();
    const r = await prod.relay.store.createHandle({ name: 'ssrf-bot', tier: 'free', tokenHash: hashToken(t), now: Date.now() });
    assert.ok(r.ok);
    return t;
  }
});

test('a name that resolves to loopback at proxy time (DNS rebinding) is not connected to', async () => {
  const { createToken } = await import('../src/tokens.ts');
  const t = createToken();
  assert.ok((await prod.relay.store.createHandle({ name: 'rebinder', tier: 'free', tokenHash: hashToken(t), now: Date.now() })).ok);
  const port = new URL(target.url).port;
  dns.table['rebind.example.com'] = ['93.184.216.34'];
  assert.equal((await api(prod.url, 'PUT', '/api/tunnel', { tunnelUrl: `http://rebind.example.com:${port}` }, t)).status, 200);
  dns.table['rebind.example.com'] = ['127.0.0.1'];
  const before = target.seen.length;
  const res = await request(prod.url, { host: `rebinder.my.${DOMAIN}`, path: '/rebound' });
  assert.equal(res.status, 502);
  assert.equal(target.seen.length, before);
  // An internal literal already in the database (e.g. written by a dev run) is refused too.
  const rec = await prod.relay.store.getHandle('rebinder', 'free');
  await prod.relay.store.touch(rec!.id, Date.now(), target.url);
  prod.relay.invalidate('free:rebinder');
  assert.equal((await request(prod.url, { host: `rebinder.my.${DOMAIN}` })).status, 502);
  assert.equal(target.seen.length, before);
});

test('the per-handle cap on concurrent requests answers 429; the API body cap 413; bad JSON 400; unknown 404', async () => {
  await registerBot(dev.url, 'busy', target.url);
  const host = `busy.my.${DOMAIN}`;
  const slow = [request(dev.url, { host, path: '/slow' }), request(dev.url, { host, path: '/slow' })];
  // Wait until both are at the target, then a third is over the cap of 2.
  const deadline = Date.now() + 5000;
  while (target.seen.filter((s) => s.url === '/slow').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const third = await request(dev.url, { host, path: '/' });
  assert.equal(third.status, 429);
  assert.equal(third.headers['retry-after'], '1');
  target.nextEvent();
  target.nextEvent();
  for (const s of await Promise.all(slow)) assert.equal(s.status, 200);
  assert.equal((await request(dev.url, { host, path: '/' })).status, 200);

  const big = await request(dev.url, { method: 'POST', path: '/api/register', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x'.repeat(20_000) }) });
  assert.equal(big.status, 413);
  assert.equal(big.json().error.code, 'body_too_large');
  const bad = await request(dev.url, { method: 'POST', path: '/api/register', headers: { 'content-type': 'application/json' }, body: '{"username":' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json().error.code, 'bad_json');
  const wrong = await api(dev.url, 'POST', '/api/register', { username: 5 });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json().error.code, 'bad_request');
  const missing = await api(dev.url, 'GET', '/api/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.json().error.code, 'not_found');
  assert.equal((await api(dev.url, 'GET', '/api/register')).status, 405);
  assert.deepEqual((await api(dev.url, 'GET', '/healthz')).json(), { ok: true, db: true });
});

test('X-Forwarded-For from the client is not believed without --trust-proxy', async () => {
  await registerBot(dev.url, 'spoofed', target.url);
  await request(dev.url, { host: `spoofed.my.${DOMAIN}`, headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.com' } });
  const seen = target.seen.at(-1)!;
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen.headers['x-forwarded-host'], `spoofed.my.${DOMAIN}`);
});
