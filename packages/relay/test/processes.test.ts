import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { api, DOMAIN, registerBot, request, waitFor } from './helpers.ts';
import { type PgCluster, startPostgres } from './pg-cluster.ts';
import { type SpawnedRelay, spawnRelay } from './spawn-relay.ts';
import { startTarget, type Target } from './target.ts';

let pgc: PgCluster;
let target: Target;
const dir = mkdtempSync(join(tmpdir(), 'fluxy-relay-proc-'));
const running: SpawnedRelay[] = [];
const common = ['--domain', DOMAIN, '--allow-private-targets', '--log-level', 'info'];

before(async () => {
  [pgc, target] = await Promise.all([startPostgres(), startTarget()]);
});
after(async () => {
  await Promise.allSettled(running.map((r) => r.stop()));
  await target?.close();
  await pgc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(args: string[], readyCount = 1): Promise<SpawnedRelay> {
  const r = await spawnRelay([...common, ...args], readyCount);
  running.push(r);
  return r;
}

test('two relay processes on one PostgreSQL serve the same handles; changes reach both at once', async () => {
  const db = await pgc.createDatabase('shared');
  // Started together: both migrate the empty database at once.
  const [a, b] = await Promise.all([start(['--db', db, '--workers', '1']), start(['--db', db, '--workers', '1'])]);
  const host = `twin.my.${DOMAIN}`;
  // Let B cache "no such handle" before A registers it: A's change must reach B's cache.
  assert.equal((await request(b.url, { host })).status, 404);
  const token = await registerBot(a.url, 'twin', target.url);
  await waitFor('B to serve the bot', async () => (await request(b.url, { host, path: '/via-b' })).status === 200, 3000);
  assert.equal(target.seen.at(-1)?.url, '/via-b');
  // Disconnect through B: A stops serving at once (NOTIFY), well before its cache would expire.
  assert.equal((await request(a.url, { host })).status, 200);
  assert.equal((await api(b.url, 'POST', '/api/disconnect', undefined, token)).status, 200);
  await waitFor('A to see the disconnect', async () => (await request(a.url, { host })).status === 503, 1000);
  // The token works through either process; the database holds only its hash.
  assert.equal((await api(a.url, 'POST', '/api/heartbeat', {}, token)).status, 200);
  await waitFor('B to see the heartbeat', async () => (await request(b.url, { host })).status === 200, 1000);
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    const dump = JSON.stringify((await client.query('SELECT * FROM relay_handles')).rows);
    assert.equal(dump.includes(token.slice(4)), false);
  } finally {
    await client.end();
  }
  assert.equal(await a.stop(), 0);
  assert.equal(await b.stop(), 0);
});

test('--workers 2 on SQLite: one port, a change made through one worker reaches the other', async () => {
  const r = await start(['--db', join(dir, 'workers.db'), '--workers', '2'], 2);
  const host = `duo.my.${DOMAIN}`;
  const token = await registerBot(r.url, 'duo', target.url);
  // Fresh connections are dealt round-robin to the workers: every one must see the bot…
  for (let i = 0; i < 6; i++) assert.equal((await request(r.url, { host })).status, 200);
  // …and after a disconnect through one of them, none may serve it.
  assert.equal((await api(r.url, 'POST', '/api/disconnect', undefined, token)).status, 200);
  await waitFor('every worker to see the disconnect', async () => {
    const codes = await Promise.all(Array.from({ length: 6 }, () => request(r.url, { host })));
    return codes.every((c) => c.status === 503);
  }, 1000);
  const listening = r.lines.map((l) => JSON.parse(l)).filter((e) => e.msg === 'relay listening');
  assert.equal(new Set(listening.map((e) => e.pid)).size, 2, 'two worker processes listen');
  assert.equal(new Set(listening.map((e) => e.address)).size, 1, 'on one address');
  assert.equal(await r.stop(), 0);
});

test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
  const r = await start(['--db', join(dir, 'graceful.db'), '--workers', '1']);
  const host = `calm.my.${DOMAIN}`;
  await registerBot(r.url, 'calm', target.url);
  const before = target.seen.filter((s) => s.url === '/slow').length;
  const slow = request(r.url, { host, path: '/slow' });
  await waitFor('the slow request to arrive', () => target.seen.filter((s) => s.url === '/slow').length > before, 5000);
  const exited = new Promise<number | null>((resolve) => r.proc.once('exit', resolve));
  r.proc.kill('SIGTERM');
  await waitFor('shutdown to begin', () => r.lines.some((l) => l.includes('shutting down')), 5000);
  // New connections are refused while the old request is still running.
  await assert.rejects(request(r.url, { path: '/healthz' }));
  target.nextEvent();
  const res = await slow;
  assert.equal(res.status, 200);
  assert.equal(res.text, 'slow done');
  assert.equal(await exited, 0);
});

test('grant and revoke from the command line; usage errors exit 2', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const bin = new URL('../bin/fluxy-relay.js', import.meta.url).pathname;
  const db = join(dir, 'grants.db');
  assert.match((await run(process.execPath, [bin, 'grant', 'vip', '--db', db])).stdout, /granted: vip/);
  assert.equal((await run(process.execPath, [bin, 'grants', '--db', db])).stdout, 'vip\n');
  assert.match((await run(process.execPath, [bin, 'revoke', 'vip', '--db', db])).stdout, /revoked/);
  const bad = await run(process.execPath, [bin, '--domain', DOMAIN]).catch((err: { code: number; stderr: string }) => err);
  assert.equal((bad as { code: number }).code, 2);
  assert.match((bad as { stderr: string }).stderr, /--port is required/);
});
