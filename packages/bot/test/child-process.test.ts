// ManagedChild against real processes: crash budget, a spawn that fails, and a stranger on the port.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../src/shared/logger.ts';
import { ManagedChild } from '../src/supervisor/child.ts';
import { freeBasePort, startInstance, waitFor } from './helpers/instance.ts';

const log = createLogger('test', { level: 'error' });
const dir = mkdtempSync(join(tmpdir(), 'fluxy-child-'));

test('a child whose spawn fails is retried 3 times, then failed; stop() returns at once', async () => {
  const child = new ManagedChild(
    { name: 'ghost', command: process.execPath, args: ['-e', ''], cwd: join(dir, 'no-such-dir'), env: {}, port: 1, readiness: 'port', logFile: join(dir, 'ghost.log') },
    log,
  );
  const states: string[] = [];
  child.on('state', (s) => states.push(s));
  child.start();
  await waitFor('failed', () => child.state === 'failed', 20_000);
  assert.equal(child.restarts, 3);
  assert.deepEqual(states.filter((s) => s === 'starting').length, 4);
  await child.dispose();
  assert.equal(child.state, 'stopped');
});

test('a restart queued before dispose() never starts the child again', async () => {
  const port = await freeBasePort();
  const child = new ManagedChild(
    {
      name: 'sleeper',
      command: process.execPath,
      args: ['-e', `require('http').createServer().listen(${port}, '127.0.0.1', () => process.send({ type: 'ready' }))`],
      cwd: dir,
      env: {},
      port,
      readiness: 'ipc',
      logFile: join(dir, 'sleeper.log'),
    },
    log,
  );
  child.start();
  assert.ok(await child.whenReady(10_000));
  const restarting = child.restart();
  await child.dispose();
  await restarting;
  assert.equal(child.state, 'stopped');
  assert.equal(child.pid, null);
});

test("a stranger listening on the worker's port never receives the supervisor's secret", async (t) => {
  const seen: string[] = [];
  const base = await freeBasePort();
  const stranger = createServer((req, res) => {
    seen.push(JSON.stringify(req.headers));
    res.end('{}');
  });
  await new Promise<void>((r) => stranger.listen(base + 1, '127.0.0.1', r));
  t.after(() => stranger.close());
  const bot = await startInstance({ waitForChildren: false, port: base, expectWorker: false });
  t.after(() => bot.stop());
  const health = await waitFor(
    'the worker to be reported failed',
    async () => {
      const h = await bot.health();
      return h.body.children.worker?.state === 'failed' ? h : undefined;
    },
    60_000,
    200,
  );
  assert.equal(health.status, 503);
  assert.ok(!seen.some((h) => h.includes('x-fluxy-internal')), 'no internal call went to the stranger');
});
