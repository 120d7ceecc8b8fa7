// Finding 7 of issue 7: one wrong guess a minute from anywhere kept the account delay at its cap,
// so the owner's right password got 429. A browser that signed in before carries a device cookie
// and is throttled on its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLoginThrottle } from '../src/worker/login-throttle.ts';
import { type Instance, startInstance, waitFor } from './helpers/instance.ts';

test('a guessing run keeps the account at its cap; a known device is counted on its own', () => {
  let now = 0;
  const t = createLoginThrottle({ now: () => now });
  for (let minute = 0; minute < 30; minute++) {
    now = minute * 60_000;
    const address = `203.0.113.${minute}`; // a new address per guess: the per-address delay never bites
    if (t.retryAfterMs('owner', address) === 0) t.recordFailure('owner', address);
  }
  assert.equal(t.retryAfterMs('owner', '198.51.100.7'), 60_000, 'an unknown browser waits the account delay');
  assert.equal(t.retryAfterMs('owner', '198.51.100.7', 'phone'), 0, "the owner's phone does not");
  for (let i = 0; i < 4; i++) t.recordFailure('owner', '198.51.100.7', 'phone');
  assert.equal(t.retryAfterMs('owner', '198.51.100.7', 'phone'), 1000, "a device's own failures slow it down");
  assert.equal(t.retryAfterMs('owner', '198.51.100.7', 'laptop'), 0, 'and only it');
  t.recordSuccess('owner', '198.51.100.7', 'phone');
  assert.equal(t.retryAfterMs('owner', '198.51.100.7', 'phone'), 0);
  assert.ok(t.retryAfterMs('owner', '198.51.100.8') > 0, "the owner's success does not lift the strangers' delay");
});

describe("the owner's known browser during a guessing run", () => {
  let bot: Instance;
  before(async () => {
    bot = await startInstance({ password: 'right-password' });
  });
  after(() => bot?.stop());

  const login = (password: string, cookie?: string) =>
    bot.fetch('/api/portal/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ password }),
    });

  test('signs in at once with the right password while strangers wait', async () => {
    const first = await login('right-password');
    assert.equal(first.status, 200);
    const device = first.headers.getSetCookie().find((c) => c.startsWith('fluxy_device='));
    assert.ok(device, 'a password sign-in remembers the browser');
    assert.match(device, /HttpOnly/);
    const deviceCookie = device.split(';')[0]!;

    // Wrong guesses, each sent as soon as the throttle allows one, until the delay is 8 s.
    for (let i = 0; i < 7; i++) {
      await waitFor(`wrong guess ${i + 1} counted`, async () => (await login(`guess-${i}`)).status === 401, 30_000, 100);
    }
    const stranger = await login('right-password');
    assert.equal(stranger.status, 429, 'an unknown browser, even with the right password, waits');
    assert.ok(Number(stranger.headers.get('retry-after')) > 0);

    const owner = await login('right-password', deviceCookie);
    assert.equal(owner.status, 200, "the owner's known browser is not locked out");
    const forged = await login('right-password', 'fluxy_device=abc.def');
    assert.equal(forged.status, 429, 'a forged device cookie counts as an unknown browser');
  });
});
