// Regression: a Fluxy killed outright (SIGKILL, OOM) cannot stop its cloudflared, which then keeps a
// public tunnel open to a port nobody serves. The next start of the same data directory stops it.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { type Instance, startInstance, waitFor } from './helpers/instance.ts';
import { installFakeCloudflared } from './helpers/public-access.ts';

let bot: Instance | undefined;
after(async () => {
  await bot?.stop();
});

test('the cloudflared of a SIGKILLed Fluxy is stopped at the next start', async () => {
  const cloudflared = installFakeCloudflared();
  const home = mkdtempSync(join(tmpdir(), 'fluxy-leftover-'));
  const env = { FLUXY_CLOUDFLARED: cloudflared.path };
  const first = await startInstance({ home, tunnel: true, env });
  await waitFor('the tunnel', () => cloudflared.alive().length === 1);
  const [orphan] = cloudflared.alive();
  const exited = once(first.proc, 'exit');
  first.proc.kill('SIGKILL');
  await exited;
  assert.deepEqual(cloudflared.alive().map((i) => i.pid), [orphan!.pid], 'the orphan outlives its supervisor');

  bot = await startInstance({ home, password: null, tunnel: true, env });
  const b = bot;
  await waitFor('the orphan gone and a new tunnel', () => {
    const alive = cloudflared.alive();
    return alive.length === 1 && alive[0]!.pid !== orphan!.pid;
  });
  assert.match(b.output(), /stopped 1 cloudflared process\(es\) an earlier run left behind/);
});
