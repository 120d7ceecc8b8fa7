// Acceptance 2 of "Public access": a tunnel that dies, loses its edge connection or hangs is
// replaced within one watchdog period and the relay gets the new URL; a jump of the clock (the
// machine slept) triggers a check at once. Real processes: the fake cloudflared, the real relay.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../src/shared/logger.ts';
import { startQuickTunnel } from '../src/supervisor/tunnel/quick-tunnel.ts';
import { createTunnelManager } from '../src/supervisor/tunnel/tunnel-manager.ts';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { DOMAIN, installFakeCloudflared, request, startRelay, statusJson, type TestRelay } from './helpers/public-access.ts';

/** The watchdog period of the run below (30 s in the product). */
const PERIOD_MS = 2_000;

describe('a running bot keeps its tunnel', () => {
  let relay: TestRelay;
  let bot: Instance;
  const cloudflared = installFakeCloudflared();
  const relayTunnelUrl = async () => (await relay.relay.store.getHandle('watchdog', 'free'))?.tunnelUrl ?? null;

  before(async () => {
    relay = await startRelay({ scheme: 'http' });
    const home = mkdtempSync(join(tmpdir(), 'fluxy-watchdog-'));
    const env = { FLUXY_HOME: home, FLUXY_CLOUDFLARED: cloudflared.path, FLUXY_TUNNEL_WATCHDOG_MS: String(PERIOD_MS) };
    const setup = await runCli(['setup', '--password', 'pw', '--relay', relay.url, '--handle', 'watchdog'], env);
    assert.equal(setup.code, 0, setup.stderr);
    bot = await startInstance({ home, password: null, tunnel: true, env });
    await waitFor('the first tunnel at the relay', async () => (await relayTunnelUrl()) === cloudflared.alive()[0]?.url);
  });
  after(async () => {
    await bot?.stop();
    await relay?.close();
  });

  /** Misbehaves the current cloudflared; resolves with how long until the relay had a new, working URL. */
  async function replacedAfter(misbehave: (pid: number) => void, budgetMs: number): Promise<number> {
    const [current] = cloudflared.alive();
    assert.ok(current, 'one cloudflared runs');
    const started = Date.now();
    misbehave(current.pid);
    await waitFor('a new tunnel at the relay', async () => {
      const url = await relayTunnelUrl();
      return url !== null && url !== current.url && cloudflared.alive().some((i) => i.url === url);
    }, budgetMs, 50);
    const took = Date.now() - started;
    const page = await request(relay.url, { host: `watchdog.my.${DOMAIN}`, path: '/', headers: { accept: 'text/html' } });
    assert.equal(page.status, 302, 'the bot answers through the relay again');
    await waitFor('the old cloudflared gone', () => cloudflared.alive().every((i) => i.pid !== current.pid), 10_000);
    assert.equal(cloudflared.alive().length, 1, 'exactly one cloudflared runs');
    return took;
  }

  test('cloudflared dies: a new tunnel at once', async (t) => {
    const took = await replacedAfter((pid) => process.kill(pid, 'SIGKILL'), PERIOD_MS + 5_000);
    const status = await statusJson(bot.env);
    assert.equal(status.tunnel.state, 'up');
    assert.equal(status.tunnel.url, await relayTunnelUrl());
    assert.ok(took < PERIOD_MS + 5_000, `${took} ms`);
    t.diagnostic(`replaced and at the relay after ${took} ms`);
  });

  test('cloudflared alive but without its edge connection (/ready 503): replaced within one period', async (t) => {
    const took = await replacedAfter((pid) => process.kill(pid, 'SIGUSR1'), PERIOD_MS + 5_000);
    assert.ok(took < PERIOD_MS + 5_000, `${took} ms`);
    t.diagnostic(`replaced and at the relay after ${took} ms`);
  });

  test('cloudflared hangs (nothing answers): replaced after the 5 s check timeout', async (t) => {
    const took = await replacedAfter((pid) => process.kill(pid, 'SIGUSR2'), PERIOD_MS + 5_000 + 5_000);
    assert.ok(took < PERIOD_MS + 10_000, `${took} ms`);
    t.diagnostic(`replaced and at the relay after ${took} ms`);
  });
});

test('a jump of the clock (the machine slept) checks the tunnel at once, not at the next period', async () => {
  const cloudflared = installFakeCloudflared();
  const origin = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as { port: number }).port;
  let clock = 1_000_000;
  const urls: string[] = [];
  const lines: string[] = [];
  const manager = createTunnelManager({
    launch: (signal) =>
      startQuickTunnel({
        binary: cloudflared.path,
        envPath: process.env.PATH ?? '',
        ingressPort: port,
        stateDir: join(cloudflared.dir, 'state'),
        logFile: join(cloudflared.dir, 'cloudflared.log'),
        signal,
      }),
    onUrl: (url) => urls.push(url),
    log: createLogger('test', { write: (l) => lines.push(l) }),
    now: () => clock,
  });
  try {
    manager.start();
    await waitFor('the first tunnel', () => urls.length === 1);
    const [first] = cloudflared.alive();
    process.kill(first!.pid, 'SIGUSR1'); // alive, but its edge connection is gone
    await waitFor('the fake to lose its edge', async () => (await fetch(`${first!.metrics}/ready`)).status === 503);

    // Ticks within the period check nothing: the broken tunnel is still the current one.
    clock += 5_000;
    manager.tick();
    assert.equal(manager.state, 'up');
    assert.equal(urls.length, 1);

    // The machine slept for two minutes: the next tick checks at once.
    clock += 120_000;
    manager.tick();
    await waitFor('a new tunnel after the sleep', () => urls.length === 2, 10_000).catch((err) => {
      throw new Error(`${err.message}; log: ${lines.join('')}`);
    });
    assert.notEqual(urls[1], urls[0]);
    assert.ok(lines.some((l) => /asleep/.test(l)), lines.join(''));
  } finally {
    await manager.close();
    origin.close();
  }
  assert.deepEqual(cloudflared.alive(), [], 'close() leaves no cloudflared');
});
