// "Your own URL instead": `tunnel` set to a URL (the user's own named tunnel, Tailscale Funnel, a
// reverse proxy pointed at N+3) runs no cloudflared and registers that URL at the relay.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freeBasePort, type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { DOMAIN, installFakeCloudflared, request, startRelay, statusJson, type TestRelay } from './helpers/public-access.ts';

let relay: TestRelay | undefined;
let bot: Instance | undefined;
after(async () => {
  await bot?.stop();
  await relay?.close();
});

test('tunnel = a URL: no cloudflared, that URL at the relay', async () => {
  relay = await startRelay({ scheme: 'http' });
  const cloudflared = installFakeCloudflared();
  const port = await freeBasePort();
  // Here the "proxy" is no proxy at all: the URL is the ingress itself (http is allowed on loopback).
  const own = `http://127.0.0.1:${port + 3}`;
  const home = mkdtempSync(join(tmpdir(), 'fluxy-own-url-'));
  const env = { FLUXY_HOME: home, FLUXY_CLOUDFLARED: cloudflared.path };
  const setup = await runCli(['setup', '--password', 'pw', '--relay', relay.url, '--handle', 'own', '--tunnel', own], env);
  assert.equal(setup.code, 0, setup.stderr);
  bot = await startInstance({ home, password: null, tunnel: true, env, port });
  const r = relay;
  await waitFor('online at the relay', async () => (await request(r.url, { host: `own.my.${DOMAIN}`, path: '/', headers: { accept: 'text/html' } })).status === 302);
  assert.equal((await r.relay.store.getHandle('own', 'free'))?.tunnelUrl, own);
  assert.deepEqual(cloudflared.instances(), [], 'no cloudflared');
  const status = await statusJson(bot.env);
  assert.deepEqual(status.tunnel, { mode: own, state: 'up', url: own });
  assert.equal(status.publicUrl, `http://own.my.${DOMAIN}`);
});
