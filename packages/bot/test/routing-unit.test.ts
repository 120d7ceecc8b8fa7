import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuthGate } from '../src/supervisor/auth-gate.ts';
import { checkPath, classify, isPublicPath, wantsHtml } from '../src/supervisor/routes.ts';
import { createLoginThrottle } from '../src/worker/login-throttle.ts';

test('routing table of the contract', () => {
  const c = (path: string, method = 'GET', pub: string[] = []) => {
    const checked = checkPath(path);
    assert.ok(checked.ok, path);
    return classify(method, checked.pathname, checked.search, pub);
  };
  assert.deepEqual(c('/api/health'), { kind: 'worker', open: true });
  assert.deepEqual(c('/api/portal/login', 'POST'), { kind: 'worker', open: true });
  assert.deepEqual(c('/api/portal/logout', 'POST'), { kind: 'worker', open: false });
  assert.deepEqual(c('/api/conversations'), { kind: 'worker', open: false });
  assert.deepEqual(c('/app/api/health?x=1'), { kind: 'backend', url: '/health?x=1', open: false });
  assert.deepEqual(c('/app/api'), { kind: 'backend', url: '/', open: false });
  assert.deepEqual(c('/app/api/hooks/stripe', 'POST', ['/hooks']), { kind: 'backend', url: '/hooks/stripe', open: true });
  assert.deepEqual(c('/app/apix'), { kind: 'vite' });
  assert.deepEqual(c('/apix'), { kind: 'vite' });
  assert.deepEqual(c('/fluxy/widget.js'), { kind: 'static', file: 'widget.js' });
  assert.deepEqual(c('/fluxy/ws'), { kind: 'chat-ws' });
  assert.deepEqual(c('/fluxy?a'), { kind: 'redirect', location: '/fluxy/?a' });
  assert.deepEqual(c('/src/main.tsx'), { kind: 'vite' });
});

test('checkpoint routes are the supervisor\'s own, never the worker\'s', () => {
  const c = (path: string, method = 'GET') => {
    const checked = checkPath(path);
    assert.ok(checked.ok, path);
    return classify(method, checked.pathname, checked.search, []);
  };
  const id = 'a'.repeat(40);
  assert.deepEqual(c('/api/checkpoints'), { kind: 'checkpoints', action: 'list' });
  assert.deepEqual(c('/api/checkpoints/?limit=5'), { kind: 'checkpoints', action: 'list' });
  assert.deepEqual(c(`/api/checkpoints/${id}/restore`, 'POST'), { kind: 'checkpoints', action: 'restore', id });
  assert.deepEqual(c(`/api/checkpoints/${id}/diff`), { kind: 'checkpoints', action: 'diff', id });
  assert.deepEqual(c(`/api/checkpoints/${id}`), { kind: 'checkpoints', action: 'unknown' });
  assert.deepEqual(c(`/api/checkpoints/${id}/restore/x`), { kind: 'checkpoints', action: 'unknown' });
  assert.deepEqual(c('/api/checkpoints//restore'), { kind: 'checkpoints', action: 'unknown' });
  assert.deepEqual(c('/api/checkpointsx'), { kind: 'worker', open: false });
});

test('public paths match whole segments only', () => {
  assert.ok(isPublicPath('/hooks', ['/hooks']));
  assert.ok(isPublicPath('/hooks/a', ['/hooks']));
  assert.ok(!isPublicPath('/hooksx', ['/hooks']));
  assert.ok(isPublicPath('/pub/x', ['/pub/']));
  assert.ok(!isPublicPath('/pub', ['/pub/']));
  assert.ok(isPublicPath('/%68ooks', ['/hooks']), 'decoded before matching, as the backend will see it');
});

test('hostile paths are refused', () => {
  for (const p of ['http://evil/', '*', '', '/a/../b', '/a/%2e%2e/b', '/a/%2E%2e', '/./a', '/a\\b', '/a%5cb', '/a%00', '/%zz', '//evil.example/x']) {
    assert.equal(checkPath(p).ok, false, p);
  }
  for (const p of ['/', '/a/b.c', '/a/..b', '/a/b?x=../y', '/a%20b']) assert.equal(checkPath(p).ok, true, p);
});

test('only an Accept naming text/html is a page', () => {
  assert.ok(wantsHtml('text/html,application/xhtml+xml,*/*;q=0.8'));
  assert.ok(!wantsHtml('*/*'));
  assert.ok(!wantsHtml('application/json'));
  assert.ok(!wantsHtml(undefined));
});

test('failed logins: growing delays per account and address, loopback capped, success resets', () => {
  let now = 0;
  const t = createLoginThrottle({ now: () => now, freeAttempts: 3, loopbackMaxDelayMs: 5000 });
  for (let i = 0; i < 3; i++) t.recordFailure('ana', '203.0.113.9');
  assert.equal(t.retryAfterMs('ana', '203.0.113.9'), 0, 'three free attempts');
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    t.recordFailure('ana', '203.0.113.9');
    waits.push(t.retryAfterMs('bob', '203.0.113.9'));
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 32000], 'the address slows down, whatever account it tries');
  assert.equal(t.retryAfterMs('ana', '198.51.100.1'), 32_000, 'the account slows down from any address');
  t.recordFailure('ana', '198.51.100.1');
  assert.equal(t.retryAfterMs('ana', '198.51.100.2'), 60_000, "an account's delay is capped at a minute");
  for (let i = 0; i < 20; i++) t.recordFailure('x', '127.0.0.1');
  assert.equal(t.retryAfterMs('y', '127.0.0.1'), 5000, 'loopback (tunnel traffic) is never banned outright');
  t.recordSuccess('ana', '203.0.113.9');
  assert.equal(t.retryAfterMs('ana', '203.0.113.9'), 0);
  now += 2 * 3600_000;
  assert.equal(t.retryAfterMs('x', '127.0.0.1'), 0, 'forgotten after an hour of quiet');
});

test('the auth gate caches answers for a minute, coalesces, and forgets on logout', async () => {
  let now = 0;
  let calls = 0;
  let valid = true;
  const gate = createAuthGate({
    now: () => now,
    validate: async () => {
      calls++;
      return { valid, expiresAt: 10_000_000 };
    },
  });
  const results = await Promise.all([gate.check('t'), gate.check('t'), gate.check('t')]);
  assert.deepEqual(results, [true, true, true]);
  assert.equal(calls, 1, 'concurrent checks share one round trip');
  valid = false;
  now += 59_000;
  assert.equal(await gate.check('t'), true, 'cached within the minute');
  now += 2_000;
  assert.equal(await gate.check('t'), false, 'revocation takes effect within the minute');
  valid = true;
  await gate.check('u');
  gate.forget('u');
  valid = false;
  assert.equal(await gate.check('u'), false, 'forget drops the cached answer at once');
  assert.equal(await gate.check(undefined), false);
  assert.equal(await gate.check('x'.repeat(500)), false);
});
