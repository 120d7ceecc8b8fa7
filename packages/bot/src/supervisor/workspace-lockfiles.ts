import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locate, type Manifest, readJson } from './workspace-tree.ts';

type LockEntry = Record<string, unknown> & { optionalDependencies?: Record<string, string>; dependencies?: Record<string, string> };
type LockPackages = Record<string, LockEntry>;

// Flags describe a package's place in Fluxy's tree (dev-only there, needed here); npm computes
// them again for the workspace's tree.
const TREE_FLAGS = new Set(['dev', 'devOptional', 'peer', 'extraneous']);

function cleaned(source: LockEntry | undefined, fallbackVersion: string | undefined): LockEntry {
  const entry: LockEntry = {};
  for (const [key, value] of Object.entries(source ?? {})) if (!TREE_FLAGS.has(key)) entry[key] = value;
  entry.version ??= fallbackVersion;
  return entry;
}

/**
 * Writes the workspace's lockfiles for the copied packages (`keys`, lockfile keys), from what npm
 * recorded when it installed Fluxy:
 * - node_modules/.package-lock.json (npm's record of the tree on disk), written after the copies
 *   so npm believes it and takes them for installed: without it npm cannot tell a copy from a
 *   half-installed package and reinstalls every one, rebuilding better-sqlite3.
 * - package-lock.json, so `npm ci` works: it must also name the optional packages for other
 *   platforms (the native binaries of rolldown, lightningcss, Tailwind's oxide) that are not on
 *   disk; only Fluxy's own package-lock.json knows them, so without it (an install from the
 *   registry) the workspace gets none and its first `npm install` writes one. The agent's own
 *   package-lock.json is never replaced.
 */
export function writeWorkspaceLocks(sourceRoot: string, workspace: string, keys: string[]): void {
  const manifest = readJson<Manifest>(join(workspace, 'package.json')) ?? {};
  const hidden = readJson<{ packages?: LockPackages }>(join(sourceRoot, 'node_modules/.package-lock.json'))?.packages ?? {};
  const full = readJson<{ packages?: LockPackages }>(join(sourceRoot, 'package-lock.json'))?.packages ?? null;
  const installed: LockPackages = {};
  for (const key of keys) {
    installed[key] = cleaned(hidden[key] ?? full?.[key], readJson<Manifest>(join(workspace, key, 'package.json'))?.version);
  }
  const head = { name: manifest.name ?? 'workspace', version: manifest.version ?? '0.0.0', lockfileVersion: 3, requires: true };
  writeFileSync(join(workspace, 'node_modules/.package-lock.json'), `${JSON.stringify({ ...head, packages: installed }, null, 2)}\n`);

  const lockFile = join(workspace, 'package-lock.json');
  if (!full || existsSync(lockFile)) return;
  const all: LockPackages = { ...installed };
  const inLock = (key: string) => key in full;
  const visited = new Set<string>();
  const add = (key: string) => {
    const entry = full[key];
    if (!entry || visited.has(key)) return;
    visited.add(key);
    all[key] ??= cleaned(entry, undefined);
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = locate(inLock, key, name);
      if (found) add(found);
    }
  };
  for (const key of keys) add(key);
  const root = { name: head.name, version: head.version, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies };
  writeFileSync(lockFile, `${JSON.stringify({ ...head, packages: { '': root, ...all } }, null, 2)}\n`);
}
