// Acceptance 5 of "Public access": while no portal password exists, no tunnel starts and nothing
// is registered (a public URL in front of the one-time setup link would hand the bot to whoever
// opened it first). Once a password is set, both follow without a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { DOMAIN, installFakeCloudflared, request, startRelay, statusJson, type TestRelay } from './helpers/public-access.ts';

let relay: TestRelay;
let bot: Instance;
before(async () => {
  relay = await startRelay({ scheme: 'http' });
});
after(async () => {
  await bot?.stop();
  await relay?.close();
});

test('no password: no tunnel and no registration; a password brings both', async () => {
  // A handle this bot already holds (say, from an earlier install), but no password yet.
  const reg = await fetch(`${relay.url}/api/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'fresh', tier: 'free' }) });
  const { token } = (await reg.json()) as { token: string };
  const home = mkdtempSync(join(tmpdir(), 'fluxy-no-pw-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ relay: { url: relay.url, handle: 'fresh', tier: 'free', token, publicUrl: `http://fresh.my.${DOMAIN}` } }), { mode: 0o600 });
  const cloudflared = installFakeCloudflared();
  const env = { FLUXY_HOME: home, FLUXY_CLOUDFLARED: cloudflared.path, FLUXY_LOG_LEVEL: 'debug' };
  bot = await startInstance({ home, password: null, tunnel: true, env });
  const b = bot;
  assert.match(b.output(), /fluxy\/setup#/, 'the setup link is printed');

  // The supervisor has asked the worker twice and still starts nothing.
  await waitFor('two password checks', () => b.output().split('\n').filter((l) => l.includes('no portal password yet')).length >= 2);
  assert.deepEqual(cloudflared.instances(), [], 'no cloudflared was started');
  const status = await statusJson(b.env);
  assert.equal(status.tunnel.state, 'off');
  assert.equal(status.publicUrl, null);
  assert.equal((await relay.relay.store.getHandle('fresh', 'free'))?.tunnelUrl, null, 'nothing was sent to the relay');
  const page = await request(relay.url, { host: `fresh.my.${DOMAIN}`, path: '/', headers: { accept: 'text/html' } });
  assert.equal(page.status, 503);
  assert.doesNotMatch(b.output(), /Public address/);

  // The password arrives (here headless; the wizard's save does the same): the tunnel follows.
  const setup = await runCli(['setup', '--password', 'pw'], b.env);
  assert.equal(setup.code, 0, setup.stderr);
  await waitFor('online at the relay', async () => {
    const r = await request(relay.url, { host: `fresh.my.${DOMAIN}`, path: '/', headers: { accept: 'text/html' } });
    return r.status === 302;
  });
  assert.equal(cloudflared.alive().length, 1);
  await waitFor('the public address with its QR code', () => /Public address: http:\/\/fresh\.my\.fluxy\.test/.test(b.output()));
});
