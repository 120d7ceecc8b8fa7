// Checkpoints and undo end to end: the real Claude Agent SDK against a fake Anthropic API writes
// files in a real bot's workspace; one turn breaks the backend; every client hears of it; a
// restore brings the app back without losing the earlier turn or the user's own edit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Checkpoint } from '@fluxy/protocol';
import { type AgentBot, BROKEN_ROUTE, GOOD_ROUTE, startAgentBot } from './helpers/agent-bot.ts';
import { ChatClient } from './helpers/chat-client.ts';
import { type Instance, waitFor } from './helpers/instance.ts';


/** Every path and every blob in the stored history, however it is reached: where a leak would be. */
function storedHistory(gitDir: string): { paths: string[]; contents: string } {
  const git = (...args: string[]) => execFileSync('git', [`--git-dir=${gitDir}`, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const blobs = git('cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)')
    .split('\n')
    .filter((l) => l.endsWith(' blob'))
    .map((l) => git('cat-file', '-p', l.split(' ')[0]!));
  const paths = git('log', '--all', '--name-only', '--format=').split('\n').filter(Boolean);
  const trees = git('log', '--all', '--format=%T').split('\n').filter(Boolean);
  for (const t of trees) paths.push(...git('ls-tree', '-r', '--name-only', t).split('\n').filter(Boolean));
  return { paths, contents: blobs.join('\n') };
}

describe('checkpoints and undo', () => {
  let agent: AgentBot;
  let bot: Instance;
  let token: string;
  let a: ChatClient;
  let b: ChatClient;
  const ws = () => `${bot.home}/workspace`;
  const say = (content: string) => a.send({ type: 'user:message', content });

  before(async () => {
    const command = 'git init -q && git add -A && git -c user.name=a -c user.email=a@b commit -qm mine && git reset -q --hard && rm -rf .git';
    agent = await startAgentBot({
      'add hello': { write: 'backend/routes/hello.ts', content: GOOD_ROUTE },
      'break it': { write: 'backend/routes/broken.ts', content: BROKEN_ROUTE },
      'add a page': { write: 'client/src/extra.ts', content: 'export const extra = 1;\n' },
      'play with git': [{ text: 'Cleaning up.' }, { toolUse: { name: 'Bash', input: { command, description: 'git games' } } }],
      'think slowly': [{ text: 'hmm ' }, { delayMs: 6000 }, { text: 'done' }],
    });
    ({ bot, token } = agent);
    [a, b] = await Promise.all([ChatClient.connect(bot.port, token), ChatClient.connect(bot.port, await bot.login())]);
  });
  after(async () => {
    a?.close();
    b?.close();
    await agent?.close();
  });

  const list = async (): Promise<Checkpoint[]> => {
    const res = await bot.fetch('/api/checkpoints', { token });
    assert.equal(res.status, 200);
    return (await res.json()) as Checkpoint[];
  };

  test('a turn that changes files leaves a checkpoint after the baseline; a secret and the database rows never enter the history', async () => {
    // The user's own data, before any turn: a secret in .env and rows in the app's database.
    writeFileSync(`${ws()}/backend/.env`, 'STRIPE_KEY=sk_live_checkpoint_leak_canary\n');
    const note = await bot.fetch('/app/api/notes', { token, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'db_row_checkpoint_leak_canary' }) });
    assert.equal(note.status, 201);

    const from = a.frames.length;
    say('please add hello');
    const cp = await a.waitFor('app:checkpoint', undefined, 60_000, from);
    assert.deepEqual(cp.files, ['backend/routes/hello.ts']);
    const answer = await a.waitFor('bot:response', undefined, 60_000, from);
    assert.equal(cp.messageId, answer.messageId);
    await a.waitFor('app:hmr-update', undefined, 30_000, from);
    assert.ok(!a.frames.slice(from).some((f) => f.type === 'app:broken'), 'a good turn is not broken');

    const listed = await list();
    assert.equal(listed[0]!.id, cp.checkpointId);
    assert.equal(listed[0]!.kind, 'turn');
    assert.equal(listed[0]!.conversationId, cp.conversationId);
    assert.equal(listed.at(-1)!.kind, 'baseline');
    assert.equal(cp.previousCheckpointId, listed[1]!.id, 'Undo of this turn goes back to the checkpoint before it');
    assert.equal(listed[0]!.parentId, listed[1]!.id);
    const history = storedHistory(`${bot.home}/checkpoints`);
    assert.ok(history.paths.includes('backend/routes/hello.ts') && history.contents.includes("router.get('/hello'"), 'the history holds the app');
    assert.ok(!history.contents.includes('sk_live_checkpoint_leak_canary'), 'the .env secret is not in the history');
    assert.ok(!history.contents.includes('db_row_checkpoint_leak_canary'), 'the database rows are not in the history');
    const leaked = history.paths.filter((p) => /(^|\/)(\.env|app\.db(-wal|-shm)?)$/.test(p) || p.startsWith('files/') || p.includes('node_modules/'));
    assert.deepEqual(leaked, [], 'nor their names');
  });

  test('a turn that breaks the backend: every client gets app:broken; restoring the last good checkpoint brings it back and keeps the hand edit', async () => {
    // Between turns the user edits a file by hand.
    writeFileSync(`${ws()}/backend/routes/hand.ts`, GOOD_ROUTE.replace('/hello', '/hand'));
    const from = [a.frames.length, b.frames.length] as const;
    const sentAt = Date.now();
    say('now break it');
    const [brokenA, brokenB] = await Promise.all([a.waitFor('app:broken', undefined, 60_000, from[0]), b.waitFor('app:broken', undefined, 60_000, from[1])]);
    const took = Date.now() - sentAt;
    assert.ok(took < 15_000, `app:broken after ${took} ms`);
    assert.deepEqual(brokenB, brokenA);
    assert.equal(brokenA.part, 'backend');
    assert.match(brokenA.error, /broken\.ts/);

    const listed = await list();
    const turn = listed[0]!;
    assert.deepEqual(turn.files, ['backend/routes/broken.ts']);
    const edits = listed[1]!;
    assert.equal(edits.kind, 'edits', 'the hand edit was recorded before the turn');
    assert.deepEqual(edits.files, ['backend/routes/hand.ts']);
    assert.equal(brokenA.checkpointId, edits.id, 'the last good checkpoint is the state before the breaking turn');

    const res = await bot.fetch(`/api/checkpoints/${brokenA.checkpointId}/restore`, { token, method: 'POST' });
    assert.equal(res.status, 200, await res.clone().text());
    await Promise.all([a.waitFor('app:restored', (f) => f.checkpointId === edits.id, 30_000, from[0]), b.waitFor('app:restored', undefined, 30_000, from[1])]);
    const health = await waitFor('a healthy backend', async () => {
      const h = await bot.fetch('/app/api/health', { token });
      const body = (await h.json()) as { failedRoutes?: unknown[]; routes?: string[] };
      return h.status === 200 && body.failedRoutes?.length === 0 && body;
    }, 20_000);
    assert.deepEqual(health.routes, ['hand.ts', 'hello.ts', 'notes.ts']);
    assert.ok(!existsSync(`${ws()}/backend/routes/broken.ts`), 'the broken file is gone');
    assert.ok(existsSync(`${ws()}/backend/routes/hello.ts`), "the earlier turn's file is still there");
    assert.ok(existsSync(`${ws()}/backend/routes/hand.ts`), 'the hand edit survived undoing the turn');
    assert.ok(existsSync(`${ws()}/backend/.env`), 'excluded files are left alone');
    assert.equal((await list())[0]!.kind, 'restore', 'a restore is itself a checkpoint (undoable)');
  });

  test('user:undo goes back to before the newest turn; while the agent works a restore is refused', async () => {
    let from = a.frames.length;
    say('add a page');
    await a.waitFor('app:checkpoint', (f) => f.files.includes('client/src/extra.ts'), 60_000, from);
    await a.waitFor('app:hmr-update', undefined, 30_000, from);
    from = a.frames.length;
    a.send({ type: 'user:undo' });
    await a.waitFor('app:restored', undefined, 30_000, from);
    assert.ok(!existsSync(`${ws()}/client/src/extra.ts`));
    assert.ok(existsSync(`${ws()}/backend/routes/hand.ts`));

    from = a.frames.length;
    say('think slowly');
    await a.waitFor('bot:token', undefined, 60_000, from);
    const good = (await list())[0]!.id;
    const refused = await bot.fetch(`/api/checkpoints/${good}/restore`, { token, method: 'POST' });
    assert.equal(refused.status, 409);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'agent_busy');
    a.send({ type: 'user:undo' });
    const err = await a.waitFor('bot:error', (f) => f.code === 'agent_busy', 10_000, from);
    assert.match(err.message, /working/);
    await a.waitFor('bot:response', undefined, 60_000, from);
  });

  test("the agent's rm -rf .git and git reset --hard leave the checkpoints intact", async () => {
    const before = await list();
    const from = a.frames.length;
    say('play with git');
    await a.waitFor('bot:response', undefined, 60_000, from);
    const after = await list();
    assert.ok(after.length >= before.length);
    assert.deepEqual(after.slice(after.length - before.length).map((c) => c.id), before.map((c) => c.id));
    assert.ok(!existsSync(`${ws()}/.git`));
    // Still restorable: back to the first turn.
    const first = before.find((c) => c.kind === 'turn' && c.files.includes('backend/routes/hello.ts'))!;
    const res = await bot.fetch(`/api/checkpoints/${first.id}/restore`, { token, method: 'POST' });
    assert.equal(res.status, 200);
    assert.ok(!existsSync(`${ws()}/backend/routes/hand.ts`));
    assert.ok(existsSync(`${ws()}/backend/routes/hello.ts`));
    const diff = await bot.fetch(`/api/checkpoints/${first.id}/diff`, { token });
    assert.match(await diff.text(), /\+router\.get\('\/hello'/);
  });

  test('bad ids, wrong methods and strangers get clear errors', async () => {
    assert.equal((await bot.fetch(`/api/checkpoints/${'0'.repeat(40)}/restore`, { token, method: 'POST' })).status, 404);
    assert.equal((await bot.fetch('/api/checkpoints/zzz/restore', { token, method: 'POST' })).status, 404);
    assert.equal((await bot.fetch(`/api/checkpoints/${'0'.repeat(40)}/restore`, { token })).status, 405);
    assert.equal((await bot.fetch('/api/checkpoints')).status, 401);
    const cross = await bot.fetch(`/api/checkpoints/${'0'.repeat(40)}/restore`, { method: 'POST', headers: { cookie: `fluxy_session=${token}`, origin: 'http://evil.example' } });
    assert.equal(cross.status, 403);
  });
});
