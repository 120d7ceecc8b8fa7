// A git that never answers (a lock, a hung disk) must not stop the chat: the turn goes ahead after
// a bounded wait for the checkpoint before it, and the stuck git is killed so the queue moves on.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isAlive as alive } from '../src/cli/pid.ts';
import { createLogger } from '../src/shared/logger.ts';
import type { ManagedChild } from '../src/supervisor/child.ts';
import { createCheckpointService } from '../src/supervisor/checkpoints/service.ts';
import { createCheckpointStore } from '../src/supervisor/checkpoints/store.ts';
import { waitFor } from './helpers/instance.ts';

let home: string;
const path = process.env.PATH;

before(() => {
  home = mkdtempSync(join(tmpdir(), 'fluxy-stuck-git-'));
  mkdirSync(join(home, 'workspace/backend'), { recursive: true });
  writeFileSync(join(home, 'workspace/backend/index.ts'), 'export {};\n');
  // First on the PATH: a "git" that writes its pid and then hangs.
  mkdirSync(join(home, 'bin'));
  writeFileSync(join(home, 'bin/git'), `#!/bin/sh\necho $$ >> "${home}/git-pids"\nexec sleep 600\n`);
  chmodSync(join(home, 'bin/git'), 0o755);
  process.env.PATH = `${join(home, 'bin')}:${path}`;
});
after(() => {
  process.env.PATH = path;
  rmSync(home, { recursive: true, force: true });
});

test('a turn waits a bounded time for a stuck git, and the stuck git is killed', async () => {
  const log = createLogger('checkpoints', { level: 'error' });
  const store = createCheckpointStore({ gitDir: join(home, 'checkpoints'), workspace: join(home, 'workspace'), log, gitTimeoutMs: 1_500 });
  const service = createCheckpointService({
    store,
    backend: {} as ManagedChild,
    vitePort: 1,
    backendSecret: 'x',
    watcher: { hold: () => undefined, release: () => [] },
    broadcast: () => undefined,
    agentsWorking: () => 0,
    runningTurns: () => 0,
    settleTurns: async () => undefined,
    autoRollback: async () => false,
    worker: { addMessage: async () => Promise.reject(new Error('unused')) },
    log,
  });
  // Resolves although the snapshot behind it cannot (the old code awaited it for ever): while the
  // stuck git still runs, not because it was killed.
  await service.beforeTurn(200);
  const pids = await waitFor('the fake git to have run', () => {
    try {
      return readFileSync(join(home, 'git-pids'), 'utf8').trim().split('\n').map(Number);
    } catch {
      return undefined;
    }
  });
  assert.ok(alive(pids[0]!), 'the turn went ahead while git still hung');
  // The queue moves on: the stuck call is killed and reported, and so is the next one.
  await assert.rejects(store.head(), /no answer in 1.5 s/);
  for (const pid of pids) {
    await waitFor(`git ${pid} to be gone`, () => !alive(pid), 10_000);
  }
});
