// The worker's /api/handle/* (the wizard's Handle step): availability, register, rename, release,
// through the real relay with the token kept in config.json; the relay's refusals come back with
// its code, the token never reaches the browser.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HandleAvailabilitySchema, HandleInfoSchema } from '@fluxy/protocol';
import { type Instance, runCli, startInstance } from './helpers/instance.ts';
import { startRelay, type TestRelay } from './helpers/public-access.ts';

let relay: TestRelay;
let bot: Instance;
let token: string;
before(async () => {
  relay = await startRelay({ scheme: 'http' });
  bot = await startInstance();
  const r = await runCli(['setup', '--relay', relay.url], bot.env);
  assert.equal(r.code, 0, r.stderr);
  token = await bot.login();
});
after(async () => {
  await bot?.stop();
  await relay?.close();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await bot.fetch(path, { method, token, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
};
const config = () => JSON.parse(readFileSync(join(bot.home, 'config.json'), 'utf8')) as { relay: { handle?: string; token?: string } };

test('check, register, rename, release', async () => {
  const none = await call('GET', '/api/handle');
  assert.deepEqual(HandleInfoSchema.parse(none.json), { relayUrl: relay.url, handle: null, tier: null, publicUrl: null });

  const free = await call('GET', '/api/handle/check?name=bob&tier=free');
  assert.deepEqual(HandleAvailabilitySchema.parse(free.json), { available: true });
  const reserved = await call('GET', '/api/handle/check?name=admin');
  assert.deepEqual(reserved.json, { available: false, reason: 'reserved' });

  const registered = await call('POST', '/api/handle/register', { username: 'bob', tier: 'free' });
  assert.equal(registered.status, 200, JSON.stringify(registered.json));
  assert.deepEqual(HandleInfoSchema.parse(registered.json), { relayUrl: relay.url, handle: 'bob', tier: 'free', publicUrl: 'http://bob.my.fluxy.test' });
  assert.ok(!JSON.stringify(registered.json).includes('fxr_'), 'the token stays on the server');
  assert.match(config().relay.token ?? '', /^fxr_/);
  assert.equal(statSync(join(bot.home, 'config.json')).mode & 0o777, 0o600);

  // Someone else holds carol: the relay's refusal, with its code.
  const other = await fetch(`${relay.url}/api/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol', tier: 'free' }) });
  assert.equal(other.status, 201);
  const taken = await call('POST', '/api/handle/change', { username: 'carol' });
  assert.equal(taken.status, 409);
  assert.equal(taken.json.error?.code, 'handle_taken');
  const invalid = await call('POST', '/api/handle/register', { username: 'no way!', tier: 'free' });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.json.error?.code, 'invalid_handle');

  const renamed = await call('POST', '/api/handle/change', { username: 'bobby' });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
  assert.equal(renamed.json.handle, 'bobby');
  assert.equal((await relay.relay.store.getHandle('bobby', 'free'))?.name, 'bobby');
  assert.equal(config().relay.handle, 'bobby');

  const released = await call('POST', '/api/handle/release');
  assert.equal(released.status, 200);
  assert.equal(released.json.handle, null);
  assert.equal(config().relay.token, undefined);
  assert.equal(await relay.relay.store.getHandle('bobby', 'free'), undefined);
});

test('bad input is a clear 400; a relay that is down is 502 relay_unreachable', async () => {
  const bad = await call('POST', '/api/handle/register', { tier: 'gold' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error?.code, 'bad_request');
  await relay.close();
  const down = await call('GET', '/api/handle/check?name=zed');
  assert.equal(down.status, 502);
  assert.equal(down.json.error?.code, 'relay_unreachable');
  assert.match(down.json.error?.message ?? '', /cannot be reached/);
  relay = await startRelay({ scheme: 'http' }); // for after()
});
