import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, startInstance } from './helpers/instance.ts';

const home = () => ({ FLUXY_HOME: mkdtempSync(join(tmpdir(), 'fluxy-cli-')) });

test('--help and --version', async () => {
  const help = await runCli(['--help'], home());
  assert.equal(help.code, 0);
  for (const cmd of ['start', 'stop', 'status', 'setup', 'FLUXY_HOME']) assert.match(help.stdout, new RegExp(cmd));
  const version = await runCli(['--version'], home());
  assert.equal(version.code, 0);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const bad = await runCli(['frobnicate'], home());
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command/);
  const badFlag = await runCli(['start', '--port', 'abc'], home());
  assert.equal(badFlag.code, 2);
});

test('status says not running with exit 3', async () => {
  const r = await runCli(['status'], home());
  assert.equal(r.code, 3);
  assert.match(r.stdout, /not running/);
});

test('setup writes the wizard settings, is idempotent, and refuses bad values', async () => {
  const env = home();
  const args = ['setup', '--password', 'pw', '--username', 'ana', '--provider', 'openai', '--model', 'gpt-5-mini', '--api-key', 'sk-1', '--base-url', 'http://127.0.0.1:9/v1', '--whisper-key', 'wk'];
  for (let i = 0; i < 2; i++) {
    const r = await runCli(args, env);
    assert.equal(r.code, 0, r.stderr);
  }
  const db = new Database(join(env.FLUXY_HOME, 'memory.db'), { readonly: true });
  const rows = Object.fromEntries((db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  db.close();
  assert.equal(rows.provider, 'openai');
  assert.equal(rows.model, 'gpt-5-mini');
  assert.equal(rows.apiKey, 'sk-1');
  assert.equal(rows.baseUrl, 'http://127.0.0.1:9/v1');
  assert.equal(rows.whisperKey, 'wk');
  assert.equal(rows.portalUsername, 'ana');
  assert.equal(rows.onboarded, 'true');
  assert.match(rows.portalPassword!, /^[0-9a-f]{32}:[0-9a-f]{128}$/, 'scrypt salt:hash, never the password');
  // --handle registers at a relay: relay-handle-end-to-end.test.ts.

  for (const bad of [['--provider', 'skynet'], ['--base-url', 'file:///etc/passwd'], ['--handle', '../x'], ['--tier', 'gold'], ['--relay', 'ftp://x'], ['--tunnel', 'http://example.com']]) {
    const r = await runCli(['setup', '--password', 'pw', ...bad], env);
    assert.equal(r.code, 2, bad.join(' '));
    assert.ok(r.stderr.length > 0);
  }
  const none = await runCli(['setup'], home());
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--password is required/);
});

test('two instances side by side; a second start on the same data directory is refused; setup applies while running', async () => {
  const a = await startInstance();
  const b = await startInstance();
  try {
    assert.notEqual(a.port, b.port);
    const { existsSync, statSync } = await import('node:fs');
    for (const entry of ['config.json', 'memory.db', 'workspace', 'bin', 'logs']) assert.ok(existsSync(join(a.home, entry)), `data directory has ${entry}`);
    assert.equal(statSync(join(a.home, 'config.json')).mode & 0o777, 0o600);
    const ta = await a.login();
    assert.equal((await b.fetch('/api/conversations', { token: ta })).status, 401, 'sessions are per instance');
    const created = await a.fetch('/api/conversations', {
      method: 'POST',
      token: ta,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'only in A' }),
    });
    assert.equal(created.status, 201);
    const tb = await b.login();
    const list = (await (await b.fetch('/api/conversations', { token: tb })).json()) as { conversations: unknown[] };
    assert.equal(list.conversations.length, 0);

    const again = await runCli(['start', '--port', String(a.port + 10)], a.env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already running/);

    const r = await runCli(['setup', '--password', 'new-pw'], a.env);
    assert.equal(r.code, 0);
    assert.ok(await a.login('new-pw'));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
