// A tunnel that will not start is retried with a growing, jittered backoff, and Cloudflare's 429
// (too many quick tunnels) is waited out for at least a minute: never a tight loop.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { FluxyError } from '../src/shared/errors.ts';
import { createLogger } from '../src/shared/logger.ts';
import { startQuickTunnel } from '../src/supervisor/tunnel/quick-tunnel.ts';
import { createTunnelManager } from '../src/supervisor/tunnel/tunnel-manager.ts';
import { installFakeCloudflared } from './helpers/public-access.ts';

test('cloudflared refused by Cloudflare with 429: the error says Cloudflare is rate-limiting', async () => {
  const cloudflared = installFakeCloudflared();
  writeFileSync(join(cloudflared.dir, 'rate-limited'), '');
  const origin = createServer((_req, res) => res.end());
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  try {
    await assert.rejects(
      startQuickTunnel({
        binary: cloudflared.path,
        envPath: process.env.PATH ?? '',
        ingressPort: (origin.address() as { port: number }).port,
        stateDir: join(cloudflared.dir, 'state'),
        logFile: join(cloudflared.dir, 'cloudflared.log'),
      }),
      (err: FluxyError) => err.code === 'tunnel_rate_limited' && /rate-limiting/.test(err.message),
    );
  } finally {
    origin.close();
  }
});

test('retries back off (jittered, growing) and wait at least 60 s after a 429', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const failures = [new FluxyError('tunnel_rate_limited', 'Cloudflare is rate-limiting quick tunnels.'), new FluxyError('tunnel_exited', 'exited'), new FluxyError('tunnel_exited', 'exited')];
  let calls = 0;
  const manager = createTunnelManager({
    launch: async () => {
      const err = failures[calls++];
      throw err ?? new FluxyError('tunnel_exited', 'exited');
    },
    onUrl: () => undefined,
    log: createLogger('test', { write: () => undefined }),
    random: () => 0, // the shortest jitter: the floor of each wait
  });
  const flush = () => new Promise((r) => setImmediate(r));
  const advance = async (ms: number) => {
    t.mock.timers.tick(ms);
    await flush();
  };
  manager.start();
  await flush();
  assert.equal(calls, 1);
  assert.equal(manager.state, 'down');
  await advance(59_999);
  assert.equal(calls, 1, 'a 429 is waited out for a minute');
  await advance(1);
  assert.equal(calls, 2);
  // Then 2 s × 2^n, times 0.7 to 1.3: 2.8 s, 5.6 s …
  await advance(2_799);
  assert.equal(calls, 2);
  await advance(1);
  assert.equal(calls, 3);
  await advance(5_599);
  assert.equal(calls, 3);
  await advance(1);
  assert.equal(calls, 4);
  await manager.close();
});
