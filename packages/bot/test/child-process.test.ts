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
  const starts: number[] = [];
  child.on('state', (s) => {
    states.push(s);
    if (s === 'starting') starts.push(Date.now());
  });
  child.start();
  await waitFor('failed', () => child.state === 'failed', 20_000);
  assert.equal(child.restarts, 3);
  assert.equal(starts.length, 4);
  const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
  for (const [i, gap] of gaps.entries()) {
    assert.ok(gap >= 1000 * (i + 1) - 20 && gap < 1000 * (i + 1) + 2000, `delay ${i + 1}: ${gap} ms (1 s, 2 s, 3 s)`);
  }
  await child.dispose();
  assert.equal(child.state, 'stopped');
});

test('a child that ran longer than the stable time before crashing gets a fresh budget (spec 0.4.17)', async () => {
  const port = await freeBasePort();
  // Listens, stays up 700 ms, then crashes: with a 500 ms stable time it is never a crash loop.
  const child = new ManagedChild(
    {
      name: 'flaky',
      command: process.execPath,
      args: ['-e', `require('http').createServer().listen(${port}, '127.0.0.1'); setTimeout(() => process.exit(1), 700)`],
      cwd: dir,
      env: {},
      port,
      readiness: 'port',
      stableMs: 500,
      logFile: join(dir, 'flaky.log'),
    },
    log,
  );
  const restarts: number[] = [];
  child.on('state', (s) => s === 'restarting' && restarts.push(child.restarts));
  child.start();
  await waitFor('five crashes', () => restarts.length >= 5, 30_000);
  assert.deepEqual(restarts.slice(0, 5), [1, 1, 1, 1, 1], 'each crash restarts after 1 s with the count reset');
  assert.notEqual(child.state, 'failed');
  await child.dispose();
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
