// The checkpoint history on its own: a real workspace on disk, the system git, no bot around it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../src/shared/logger.ts';
import { type CheckpointStore, createCheckpointStore } from '../src/supervisor/checkpoints/store.ts';

/** Every blob the history holds, whatever commit or tree it hangs from: what a leak would be in. */
function allBlobs(gitDir: string): string {
  const git = (...args: string[]) => execFileSync('git', [`--git-dir=${gitDir}`, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const objects = git('cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)')
    .split('\n')
    .filter((l) => l.endsWith(' blob'))
    .map((l) => l.split(' ')[0]!);
  const names = git('log', '--all', '--name-only', '--format=');
  return names + objects.map((o) => git('cat-file', '-p', o)).join('\n');
}

describe('checkpoint store', () => {
  let home: string;
  let ws: string;
  let gitDir: string;
  let store: CheckpointStore;
  const write = (rel: string, content: string | Buffer) => {
    mkdirSync(join(ws, rel, '..'), { recursive: true });
    writeFileSync(join(ws, rel), content);
  };

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'fluxy-cp-'));
    ws = join(home, 'workspace');
    gitDir = join(home, 'checkpoints');
    write('backend/index.ts', 'export {};\n');
    write('backend/.env', 'SECRET_TOKEN=hunter2-very-secret\n');
    write('backend/app.db', 'SQLite format 3\0row-secret-42');
    write('backend/app.db-wal', 'wal-secret');
    write('files/upload.txt', 'an upload');
    write('node_modules/x/index.js', 'module');
    write('big.bin', Buffer.alloc(6 * 1024 * 1024, 1));
    write('.gitignore', 'backend/routes/\n');
    store = createCheckpointStore({ gitDir, workspace: ws, log: createLogger('test', { level: 'error' }) });
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test('the baseline holds the app, never secrets, databases, uploads, dependencies or huge files', async () => {
    const base = await store.ensureBaseline();
    assert.equal(base?.kind, 'baseline');
    assert.deepEqual(base?.files.sort(), ['.gitignore', 'backend/index.ts']);
    assert.equal(await store.ensureBaseline(), null, 'one baseline only');
    const blobs = allBlobs(gitDir);
    for (const secret of ['hunter2', 'row-secret-42', 'wal-secret', 'an upload', 'module']) assert.ok(!blobs.includes(secret), secret);
  });

  test('nothing changed: no checkpoint; a change: one, with its files, in spite of the workspace .gitignore', async () => {
    assert.equal(await store.snapshot({ kind: 'edits' }), null);
    write('backend/routes/a.ts', 'export const a = 1;\n');
    const t1 = await store.snapshot({ kind: 'turn', conversationId: 'c1', messageId: 'm1' });
    assert.deepEqual(t1 && { kind: t1.kind, c: t1.conversationId, m: t1.messageId, files: t1.files }, { kind: 'turn', c: 'c1', m: 'm1', files: ['backend/routes/a.ts'] });
    const listed = await store.list();
    assert.deepEqual(listed.map((c) => c.kind), ['turn', 'baseline']);
    assert.equal(listed[0]!.id, t1!.id);
  });

  test('restore deletes what later checkpoints created, keeps excluded files, and can itself be undone', async () => {
    const t1 = (await store.list())[0]!;
    write('backend/routes/b.ts', 'broken(');
    write('client/new/deep.ts', 'x');
    writeFileSync(join(ws, 'backend/index.ts'), 'export const changed = true;\n');
    const t2 = await store.snapshot({ kind: 'turn', conversationId: 'c1', messageId: 'm2' });
    assert.deepEqual(t2?.files.sort(), ['backend/index.ts', 'backend/routes/b.ts', 'client/new/deep.ts']);
    assert.equal(await store.undoTarget(), t1.id);

    write('backend/.env', 'SECRET_TOKEN=changed\n');
    const r = await store.restore(t1.id);
    assert.deepEqual(r.files.sort(), ['backend/index.ts', 'backend/routes/b.ts', 'client/new/deep.ts']);
    assert.equal(r.restore?.kind, 'restore');
    assert.equal(r.restore?.restoredFrom, t1.id);
    assert.ok(!existsSync(join(ws, 'backend/routes/b.ts')));
    assert.ok(!existsSync(join(ws, 'client/new')), 'empty directories go too');
    assert.equal(readFileSync(join(ws, 'backend/index.ts'), 'utf8'), 'export {};\n');
    assert.ok(existsSync(join(ws, 'backend/routes/a.ts')));
    assert.equal(readFileSync(join(ws, 'backend/.env'), 'utf8'), 'SECRET_TOKEN=changed\n');
    assert.ok(existsSync(join(ws, 'files/upload.txt')) && existsSync(join(ws, 'big.bin')) && existsSync(join(ws, 'node_modules/x/index.js')));

    // The next undo goes further back (turn 1), not forth again.
    assert.equal(await store.undoTarget(), (await store.list()).find((c) => c.kind === 'baseline')!.id);
    // The restore is undoable: its parent is the state before it.
    await store.restore(t2!.id);
    assert.equal(readFileSync(join(ws, 'backend/routes/b.ts'), 'utf8'), 'broken(');
  });

  test("files are kept byte for byte, whatever the workspace's .gitattributes say", async () => {
    write('.gitattributes', '* text eol=crlf\n');
    write('client/lf.ts', 'a\nb\n');
    const made = await store.snapshot({ kind: 'turn', conversationId: 'c1', messageId: 'm3' });
    write('client/lf.ts', 'changed\n');
    await store.snapshot({ kind: 'edits' });
    await store.restore(made!.id);
    assert.equal(readFileSync(join(ws, 'client/lf.ts'), 'utf8'), 'a\nb\n');
  });

  test('without git, every operation says so (503) instead of failing obscurely', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(home, 'no-such-bin');
    let without: CheckpointStore;
    try {
      without = createCheckpointStore({ gitDir: join(home, 'other'), workspace: ws, log: createLogger('test', { level: 'error' }) });
    } finally {
      process.env.PATH = path;
    }
    await assert.rejects(without.list(), (err: { code?: string; status?: number; message?: string }) => err.code === 'checkpoint_git_missing' && err.status === 503 && /install git/.test(err.message ?? ''));
  });

  test('ids that are not ours are a 404', async () => {
    for (const id of ['nope', '0'.repeat(40), '../../etc']) {
      await assert.rejects(store.restore(id), (err: { code?: string; status?: number }) => err.code === 'checkpoint_not_found' && err.status === 404);
    }
  });

  test("the agent's own git (rm -rf .git, reset --hard) does not touch the history", async () => {
    const before = (await store.list()).length;
    const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { cwd: ws, env: { PATH: process.env.PATH, HOME: home, GIT_CONFIG_GLOBAL: '/dev/null' } });
    sh('git init -q && git add -A && git -c user.name=a -c user.email=a@b commit -qm x && echo y > y.txt && git add y.txt && git reset -q --hard && rm -rf .git');
    assert.equal((await store.list()).length, before);
    sh('git init -q');
    assert.equal(await store.snapshot({ kind: 'edits' }), null, "the agent's .git is never in a checkpoint");
  });
});
