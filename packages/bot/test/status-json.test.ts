// `fluxy status --json` is exactly CONTRACT.md's object, running or not (exit 0 / 3).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startInstance, waitFor } from './helpers/instance.ts';
import { installFakeCloudflared, statusJson } from './helpers/public-access.ts';

const KEYS = ['children', 'localUrl', 'pid', 'publicUrl', 'relay', 'running', 'tunnel'];

test('not running: the same shape, exit 3', async () => {
  const env = { FLUXY_HOME: mkdtempSync(join(tmpdir(), 'fluxy-status-')) };
  const r = await runCli(['status', '--json'], env);
  assert.equal(r.code, 3);
  assert.deepEqual(JSON.parse(r.stdout), {
    running: false,
    pid: null,
    localUrl: 'http://127.0.0.1:3000',
    publicUrl: null,
    tunnel: { mode: 'cloudflared', state: 'off', url: null },
    relay: null,
    children: {},
  });
});

test('running with --no-tunnel: tunnel off, every child with state, pid and restarts', async () => {
  const bot = await startInstance();
  try {
    const r = await runCli(['status', '--json'], bot.env);
    assert.equal(r.code, 0);
    const s = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(s).sort(), KEYS);
    assert.equal(s.running, true);
    assert.equal(s.pid, bot.proc.pid);
    assert.equal(s.localUrl, bot.url);
    assert.deepEqual(s.tunnel, { mode: 'off', state: 'off', url: null });
    assert.equal(s.publicUrl, null);
    assert.equal(s.relay, null);
    assert.deepEqual(Object.keys(s.children).sort(), ['backend', 'vite', 'worker']);
    for (const c of Object.values(s.children) as { state: string; pid: number; restarts: number }[]) {
      assert.deepEqual(Object.keys(c).sort(), ['pid', 'restarts', 'state']);
      assert.equal(c.state, 'running');
    }
  } finally {
    await bot.stop();
  }
});

test('the tunnel URL shows as soon as cloudflared prints it, while it is not ready yet', async () => {
  const cloudflared = installFakeCloudflared();
  writeFileSync(`${cloudflared.dir}/never-ready`, '');
  const bot = await startInstance({ tunnel: true, env: { FLUXY_CLOUDFLARED: cloudflared.path } });
  try {
    const [printed] = await waitFor('the URL printed', () => (cloudflared.alive().length > 0 ? cloudflared.alive() : undefined));
    const s = await waitFor('the printed URL in the status', async () => {
      const now = await statusJson(bot.env);
      return now.tunnel.url ? now : undefined;
    });
    assert.deepEqual(s.tunnel, { mode: 'cloudflared', state: 'starting', url: printed!.url });
    assert.equal(s.publicUrl, null, 'not public before it is ready');
  } finally {
    await bot.stop();
  }
});
