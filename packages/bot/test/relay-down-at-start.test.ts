// Acceptance 4 of "Public access": the relay cannot be reached when Fluxy starts. Fluxy starts and
// serves locally, says so in one log line (not one per retry), and is online at the relay within a
// minute of the relay coming back.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { DOMAIN, installFakeCloudflared, request, startRelayAt, statusJson } from './helpers/public-access.ts';

let bot: Instance | undefined;
let relay: Awaited<ReturnType<typeof startRelayAt>> | undefined;
after(async () => {
  await bot?.stop();
  await relay?.close();
});

test('relay down at start: local service, one log line, online within a minute of its return', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'fluxy-relay-db-')), 'relay.db');
  relay = await startRelayAt(db);
  const { port, url } = relay;
  const cloudflared = installFakeCloudflared();
  const home = mkdtempSync(join(tmpdir(), 'fluxy-relay-down-'));
  const env = { FLUXY_HOME: home, FLUXY_CLOUDFLARED: cloudflared.path, FLUXY_LOG_LEVEL: 'debug' };
  const setup = await runCli(['setup', '--password', 'pw', '--relay', url, '--handle', 'outage'], env);
  assert.equal(setup.code, 0, setup.stderr);
  await relay.close();
  relay = undefined;

  bot = await startInstance({ home, password: null, tunnel: true, env });
  const b = bot;
  // Served locally all along.
  assert.equal((await fetch(`${b.url}/api/health`)).status, 200);
  const warnings = () => b.output().split('\n').filter((l) => l.includes('cannot reach the relay'));
  const retries = () => b.output().split('\n').filter((l) => l.includes('relay still unreachable'));
  await waitFor('a few retries', () => retries().length >= 2, 30_000);
  assert.equal(warnings().length, 1, 'one clear line, not one per retry');
  assert.match(warnings()[0]!, /keeps serving locally/);
  const status = await statusJson(b.env);
  assert.equal(status.tunnel.state, 'up', 'the tunnel runs whatever the relay does');
  assert.equal(status.relay?.lastHeartbeatAt, null);

  relay = await startRelayAt(db, port);
  const back = Date.now();
  await waitFor('online at the relay again', async () => {
    const r = await request(url, { host: `outage.my.${DOMAIN}`, path: '/', headers: { accept: 'text/html' } });
    return r.status === 302;
  }, 60_000, 200);
  const took = Date.now() - back;
  assert.ok(took < 60_000, `${took} ms`);
  t.diagnostic(`online at the relay ${took} ms after it came back`);
  assert.ok(b.output().includes('reachable again'));
  assert.equal(warnings().length, 1);
  assert.ok((await statusJson(b.env)).relay?.lastHeartbeatAt);
});
