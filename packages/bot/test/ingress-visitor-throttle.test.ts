// Acceptance 6 of "Public access": through the tunnel ingress (N+3) the login throttle counts the
// visitor's address, not 127.0.0.1. Through the relay that address arrives in the relay's signed
// header (Cloudflare's Cf-Connecting-IP names the relay for every visitor). The same headers sent
// to the base port change nothing: every caller there is one loopback address.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { DOMAIN, installFakeCloudflared, request, startRelay, type TestRelay } from './helpers/public-access.ts';

const A = '203.0.113.7';
const B = '198.51.100.9';
let relay: TestRelay;
let tunnelled: Instance;
let local: Instance;

before(async () => {
  // trustProxy: the test plays the relay's load balancer, so it can name each visitor's address.
  relay = await startRelay({ scheme: 'http', trustProxy: true });
  const cloudflared = installFakeCloudflared();
  const home = mkdtempSync(join(tmpdir(), 'fluxy-throttle-'));
  const env = { FLUXY_HOME: home, FLUXY_CLOUDFLARED: cloudflared.path };
  const setup = await runCli(['setup', '--password', 'pw', '--relay', relay.url, '--handle', 'throttled'], env);
  assert.equal(setup.code, 0, setup.stderr);
  [tunnelled, local] = await Promise.all([startInstance({ home, password: null, tunnel: true, env }), startInstance()]);
  await waitFor('online at the relay', async () => (await request(relay.url, { host: `throttled.my.${DOMAIN}`, path: '/', headers: { accept: 'text/html' } })).status === 302);
});
after(async () => {
  await Promise.all([tunnelled?.stop(), local?.stop()]);
  await relay?.close();
});

type Send = (visitor: string) => Promise<{ status: number; headers: Record<string, unknown> }>;

const wrong = JSON.stringify({ password: 'wrong' });
/** A wrong password from `visitor`, through the relay (its balancer names the visitor). */
const viaRelay: Send = (visitor) =>
  request(relay.url, {
    method: 'POST',
    host: `throttled.my.${DOMAIN}`,
    path: '/api/portal/login',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': visitor },
    body: wrong,
  });
/** The same claims, sent to the base port. */
const toBasePort: Send = (visitor) =>
  request(local.url, {
    method: 'POST',
    path: '/api/portal/login',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': visitor, 'x-forwarded-for': visitor },
    body: wrong,
  });

/** Ten counted failures from `visitor` (a throttled try is not counted: wait until one is). */
async function tenFailures(send: Send, visitor: string): Promise<void> {
  for (let failures = 0; failures < 10; failures++) {
    await waitFor(`failure ${failures + 1} of ${visitor}`, async () => (await send(visitor)).status === 401, 60_000, 250);
  }
}

const retryAfter = async (send: Send, visitor: string) => {
  const r = await send(visitor);
  assert.equal(r.status, 429);
  return Number(r.headers['retry-after']);
};

test('ten wrong passwords from A: A waits longer than B through the relay, the same on the base port', async () => {
  await Promise.all([tenFailures(viaRelay, A), tenFailures(toBasePort, A)]);

  const [aTunnel, bTunnel, aLocal, bLocal] = [await retryAfter(viaRelay, A), await retryAfter(viaRelay, B), await retryAfter(toBasePort, A), await retryAfter(toBasePort, B)];
  // A's own address is at 64 s; B is held only by the account's cap (60 s), which every visitor shares.
  assert.ok(aTunnel > bTunnel, `through the relay A waits ${aTunnel} s, B ${bTunnel} s`);
  assert.ok(aTunnel > 60);
  // On the base port both are 127.0.0.1, whose delay is capped low: the headers bought nothing.
  assert.equal(aLocal, bLocal, `on the base port A waits ${aLocal} s, B ${bLocal} s`);

  // What the worker counted: the visitor through the relay, loopback on the base port.
  const logOf = (i: Instance) => readFileSync(join(i.home, 'logs', 'worker.log'), 'utf8');
  // The worker's log reaches its file through the supervisor's pipe, a moment after the answers.
  await waitFor('the tunnelled failures in the worker log', () => logOf(tunnelled).includes(`"ip":"${A}"`));
  assert.match(logOf(tunnelled), new RegExp(`failed sign-in \\{"ip":"${A.replaceAll('.', '\\.')}"\\}`));
  assert.doesNotMatch(logOf(tunnelled), /failed sign-in \{"ip":"127\.0\.0\.1"\}/);
  assert.doesNotMatch(logOf(local), new RegExp(A.replaceAll('.', '\\.')));
});

test('a forged visitor header sent straight to N+3 is not believed', async () => {
  // A bot of its own: the accounts above are throttled by now, and a throttled try is not logged.
  const home = mkdtempSync(join(tmpdir(), 'fluxy-forged-'));
  const setup = await runCli(['setup', '--password', 'pw', '--relay', relay.url, '--handle', 'forged'], { FLUXY_HOME: home });
  assert.equal(setup.code, 0, setup.stderr);
  // It holds a relay token, so the supervisor has a key to check the header with (and the forgery fails it).
  const bot = await startInstance({ home, password: null });
  try {
    const r = await request(`http://127.0.0.1:${bot.port + 3}`, {
      method: 'POST',
      path: '/api/portal/login',
      headers: { 'content-type': 'application/json', 'x-fluxy-visitor': `t=${Date.now()};ip=192.0.2.1;sig=${'A'.repeat(43)}`, 'cf-connecting-ip': '192.0.2.2' },
      body: JSON.stringify({ password: 'wrong' }),
    });
    assert.equal(r.status, 401);
    // The worker's log reaches its file through the supervisor's pipe, a moment after the answer.
    const log = await waitFor('the failed sign-in in the worker log', () => {
      const text = readFileSync(join(bot.home, 'logs', 'worker.log'), 'utf8');
      return text.includes('failed sign-in') ? text : undefined;
    });
    assert.match(log, /failed sign-in \{"ip":"192\.0\.2\.2"\}/, 'Cloudflare\'s header, not the forgery');
    assert.doesNotMatch(log, /192\.0\.2\.1/);
  } finally {
    await bot.stop();
  }
});
