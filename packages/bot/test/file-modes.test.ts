// Finding 8 of issue 7: memory.db and its -wal (the API key in plain text) were 0644 in a 0755
// directory, readable by every local user. The data directory is 0700 and its files 0600, from the
// first start on, and an install made before is fixed when it starts.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startInstance } from './helpers/instance.ts';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

function assertPrivate(home: string, mustExist: string[]): void {
  assert.equal(mode(home), '700', 'the data directory');
  for (const name of mustExist) assert.ok(existsSync(join(home, name)), `${name} exists`);
  for (const name of readdirSync(home)) {
    const path = join(home, name);
    assert.equal(mode(path), statSync(path).isDirectory() ? '700' : '600', name);
  }
  for (const name of readdirSync(join(home, 'logs'))) assert.equal(mode(join(home, 'logs', name)), '600', `logs/${name}`);
}

test('from the first start: every file owner-only, the WAL included', async () => {
  const bot = await startInstance({ password: null });
  try {
    assertPrivate(bot.home, ['memory.db', 'memory.db-wal', 'memory.db-shm', 'config.json', 'fluxy.pid', 'setup-token', 'logs/worker.log']);
  } finally {
    await bot.stop();
  }
});

test('an install with 0644 files in a 0755 directory is fixed at start', async () => {
  const home = mkdtempSync(join(tmpdir(), 'fluxy-modes-'));
  try {
    assert.equal((await runCli(['setup', '--password', 'pw'], { FLUXY_HOME: home })).code, 0);
    // What an older Fluxy left behind.
    writeFileSync(join(home, 'logs-old.txt'), 'x');
    for (const name of readdirSync(home)) chmodSync(join(home, name), statSync(join(home, name)).isDirectory() ? 0o755 : 0o644);
    chmodSync(home, 0o755);
    assert.equal(mode(join(home, 'memory.db')), '644');

    const bot = await startInstance({ home, password: null });
    try {
      assertPrivate(home, ['memory.db', 'memory.db-wal', 'config.json', 'logs-old.txt']);
    } finally {
      await bot.stop();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
