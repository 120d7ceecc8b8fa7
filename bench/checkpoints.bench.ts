// What checkpoints cost: the time a turn of the template pays for its two snapshots (hand edits
// before it, the turn after it), the time to restore, the same on a workspace of 5,000 files, and
// the disk that 1,000 checkpoints of small edits take. The store is driven directly, with the
// system git, on real files in a temporary directory.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../packages/bot/src/shared/logger.ts';
import { REPO_DIR } from '../packages/bot/src/shared/paths.ts';
import { createCheckpointStore } from '../packages/bot/src/supervisor/checkpoints/store.ts';
import type { BenchSection } from './run.ts';

const TEMPLATE_ROUNDS = 40;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => x.toFixed(1);

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function workspaceOf(kind: 'template' | '5000'): { home: string; ws: string } {
  const home = mkdtempSync(join(tmpdir(), 'fluxy-bench-cp-'));
  const ws = join(home, 'workspace');
  cpSync(join(REPO_DIR, 'workspace'), ws, { recursive: true, filter: (src) => !src.includes('node_modules') });
  if (kind === '5000') {
    // 5,000 source-sized files in 50 folders, as a grown app might have.
    for (let d = 0; d < 50; d++) {
      const dir = join(ws, 'client/src/generated', `part-${d}`);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(dir, `module-${f}.ts`), `export const value${d}_${f} = ${JSON.stringify('x'.repeat(400))};\n`);
    }
  }
  return { home, ws };
}

async function measure(kind: 'template' | '5000', rounds: number) {
  const { home, ws } = workspaceOf(kind);
  try {
    const store = createCheckpointStore({ gitDir: join(home, 'checkpoints'), workspace: ws, log: createLogger('bench', { level: 'error' }) });
    const baseline = await time(() => store.ensureBaseline());
    const before: number[] = [];
    const after: number[] = [];
    const restore: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // A turn: nothing changed by hand since the last checkpoint, then the agent edits one file.
      before.push(await time(() => store.snapshot({ kind: 'edits' })));
      appendFileSync(join(ws, 'backend/routes/notes.ts'), `// edit ${i}\n`);
      after.push(await time(() => store.snapshot({ kind: 'turn', conversationId: 'c', messageId: `m${i}` })));
    }
    for (let i = 0; i < Math.min(rounds, 10); i++) {
      const [, previous] = await store.list(2);
      restore.push(await time(() => store.restore(previous!.id)));
    }
    const turns = before.map((b, i) => b + after[i]!);
    return { baseline, before: median(before), after: median(after), turn: median(turns), best: Math.min(...turns), restore: median(restore) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function thousandCheckpoints() {
  const { home, ws } = workspaceOf('template');
  try {
    const gitDir = join(home, 'checkpoints');
    const store = createCheckpointStore({ gitDir, workspace: ws, log: createLogger('bench', { level: 'error' }) });
    await store.ensureBaseline();
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) {
      // Small edits across a few files, as turns make them.
      appendFileSync(join(ws, i % 3 === 0 ? 'client/src/App.tsx' : i % 3 === 1 ? 'backend/routes/notes.ts' : 'README.md'), `// change ${i}\n`);
      await store.snapshot({ kind: 'turn', conversationId: 'c', messageId: `m${i}` });
    }
    const perCheckpoint = (performance.now() - t0) / 1000;
    const kb = Number(execFileSync('du', ['-sk', gitDir], { encoding: 'utf8' }).split('\t')[0]);
    const workspaceKb = Number(execFileSync('du', ['-sk', ws], { encoding: 'utf8' }).split('\t')[0]);
    return { perCheckpoint, mb: kb / 1024, workspaceMb: workspaceKb / 1024, count: (await store.list(5000)).length };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<BenchSection> {
  const load = loadavg()[0]!.toFixed(1);
  const template = await measure('template', TEMPLATE_ROUNDS);
  const big = await measure('5000', 10);
  const many = await thousandCheckpoints();
  const row = (label: string, r: typeof template) =>
    `| ${label} | ${ms(r.baseline)} | ${ms(r.before)} | ${ms(r.after)} | **${ms(r.turn)}** (best ${ms(r.best)}) | ${ms(r.restore)} |`;
  return {
    title: 'Checkpoints: time per turn, restore, disk',
    body: `
Store-level (\`supervisor/checkpoints/store.ts\`, system git ${execFileSync('git', ['--version'], { encoding: 'utf8' }).trim().replace('git version ', '')}); medians, in ms. A turn pays for two snapshots: the hand edits before it (nothing changed: the common case) and the turn's own checkpoint after it (one file edited). The restore goes back one checkpoint (one file differs) and includes the checkpoint of the state before it; the backend restart that follows a restore is not included. Load average when it started: ${load} (other work shares the 2 cores; figures are wall-clock).

| workspace | baseline | before a turn | after a turn | **added to a turn** | restore |
|---|---|---|---|---|---|
${row('template', template)}
${row('template + 5,000 files', big)}

- 1,000 checkpoints of small edits (one file each) on the template: **${ms(many.mb)} MB** on disk for the whole history (target < 50 MB; packed every 100 checkpoints), ${many.count} checkpoints listed, ${ms(many.perCheckpoint)} ms each. The workspace itself (without node_modules) is ${ms(many.workspaceMb)} MB.
- Target: checkpointing adds < 100 ms to a turn of the template: **${ms(template.turn)} ms** median, ${ms(template.best)} ms best of ${TEMPLATE_ROUNDS} (the spread is the shared machine's load: each snapshot is 2 to 6 short git processes).
- The baseline hashes every file once (one loose object each; on this shared, loaded machine the file system, not git's CPU, is most of it). It runs in the background at the first start; a first turn sent meanwhile waits for it. Every later snapshot hands git only the files that are new, changed or gone (git's stat cache says which), so a turn's cost grows with the walk of the tree, not with hashing it.
`,
  };
}
