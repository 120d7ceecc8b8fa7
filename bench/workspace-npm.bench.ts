// `npm install <small pure-JS package>` in a fresh workspace, before and after the workspace got
// its own copies of the template's packages. "Before" is the old layout rebuilt faithfully (one
// link per template dependency into an installation's node_modules), but pointed at a throwaway
// copy of Fluxy's packages: run against the real one, npm would rebuild this repository's
// better-sqlite3 through the link, which is the damage the change stops.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_DIR, resolvePaths } from '../packages/bot/src/shared/paths.ts';
import { findDependencyClosure } from '../packages/bot/src/supervisor/workspace-tree.ts';
import { ensureWorkspace } from '../packages/bot/src/supervisor/workspace.ts';
import type { BenchSection } from './run.ts';

const PACKAGE = 'dayjs';
const NATIVE = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
const AFTER_RUNS = 3;

function npmInstall(cwd: string): { ms: number; summary: string } {
  const started = performance.now();
  const out = execFileSync('npm', ['install', PACKAGE], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const summary = out.split('\n').find((line) => /^(added|changed|up to date)/.test(line)) ?? '';
  return { ms: Math.round(performance.now() - started), summary: summary.trim() };
}

function duMb(dir: string): number {
  return Math.round(Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) / 1024);
}

/** The old layout: a workspace whose node_modules links each template dependency into `install`'s. */
function before(): { ms: number; summary: string; rebuilt: boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'fluxy-bench-old-'));
  try {
    const template = JSON.parse(readFileSync(join(REPO_DIR, 'workspace/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const names = Object.keys(template.dependencies);
    const install = join(dir, 'install');
    for (const key of findDependencyClosure(REPO_DIR, names)) {
      cpSync(join(REPO_DIR, key), join(install, key), { recursive: true, dereference: true });
    }
    const workspace = join(dir, 'workspace');
    cpSync(join(REPO_DIR, 'workspace'), workspace, { recursive: true, filter: (src) => !src.includes('node_modules') });
    for (const name of names) {
      mkdirSync(join(workspace, 'node_modules', name, '..'), { recursive: true });
      symlinkSync(join(install, 'node_modules', name), join(workspace, 'node_modules', name), 'dir');
    }
    const nativeBefore = statSync(join(install, NATIVE)).mtimeMs;
    const result = npmInstall(workspace);
    return { ...result, rebuilt: statSync(join(install, NATIVE)).mtimeMs !== nativeBefore };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The new layout, as a first start makes it: the workspace's own copies and lockfiles. */
function after(): { copyMs: number; mb: number; ms: number; summary: string; fluxyTouched: boolean } {
  const paths = resolvePaths({ FLUXY_HOME: mkdtempSync(join(tmpdir(), 'fluxy-bench-new-')) });
  try {
    const fluxyNative = statSync(join(REPO_DIR, NATIVE)).mtimeMs;
    const started = performance.now();
    ensureWorkspace(paths);
    const copyMs = Math.round(performance.now() - started);
    const mb = duMb(join(paths.workspace, 'node_modules'));
    const result = npmInstall(paths.workspace);
    return { copyMs, mb, ...result, fluxyTouched: statSync(join(REPO_DIR, NATIVE)).mtimeMs !== fluxyNative };
  } finally {
    rmSync(paths.home, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function bench(): Promise<BenchSection> {
  // Warm npm's cache for the package, so both sides measure the install, not one download.
  execFileSync('npm', ['cache', 'add', PACKAGE], { stdio: 'ignore' });
  const old = before();
  const runs = Array.from({ length: AFTER_RUNS }, after);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const rows = [
    `| before: links into Fluxy's node_modules | ${(old.ms / 1000).toFixed(1)} s | ${old.summary} | ${old.rebuilt ? "**yes**: better-sqlite3 rebuilt through the link" : 'no'} | 0 |`,
    `| after: the workspace's own copies (median of ${AFTER_RUNS}) | **${(median(runs.map((r) => r.ms)) / 1000).toFixed(1)} s** | ${runs[0]!.summary} | ${runs.some((r) => r.fluxyTouched) ? '**yes**' : 'no'} | ${median(runs.map((r) => r.copyMs))} ms, ${runs[0]!.mb} MB |`,
  ];
  return {
    title: `Workspace: npm install ${PACKAGE} in a fresh workspace`,
    body: [
      `\`npm install ${PACKAGE}\` in a workspace as a first start leaves it, the registry reachable, npm's cache warm for ${PACKAGE}. Target: under 10 s.`,
      '',
      "| layout | npm install | npm says | wrote into Fluxy's install | first-start copy |",
      '|---|---:|---|---|---:|',
      ...rows,
      '',
      `- After runs: ${runs.map((r) => `${(r.ms / 1000).toFixed(1)} s`).join(', ')}; the copy at first start: ${runs.map((r) => `${r.copyMs} ms`).join(', ')}.`,
      "- Before: npm does not take a link for an installed registry package and runs better-sqlite3's install script through it (node-gyp compiles SQLite), in the installation the link points into; the issue measured 47 s on a quieter machine. Here it ran against a throwaway copy of Fluxy's packages, so the benchmark itself damages nothing.",
      `- Load average (1 min) at the end: ${load} on 2 cores shared with other work; absolute times are noisy, the ratio is the point.`,
    ].join('\n'),
  };
}
