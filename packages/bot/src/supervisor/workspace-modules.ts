import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The workspace's node_modules is the workspace's own: real copies of the template's dependency
 * closure, made once, that npm manages like any install of its own. Nothing in it points into
 * Fluxy's installation, so no npm command and no install script run in the workspace can write
 * there (a link per package, the old layout, let `npm install dayjs` rebuild Fluxy's own
 * better-sqlite3 through it). Why copies and not a resolver hook: see ARCHITECTURE.md "Data
 * directory"; the cost (about 110 MB, about a second) is in bench/RESULTS.md.
 */

interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: string | Record<string, string>;
}

type LockEntry = Record<string, unknown>;

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A real directory (npm's workspace links, e.g. Fluxy's own packages, are never the template's to copy). */
function isRealDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Where Node (and npm's tree) finds `name` for the package at `fromKey` ("" is the root): its own
 * node_modules, then each enclosing one. Keys are paths relative to the install's root, as in a lockfile.
 */
function locate(root: string, fromKey: string, name: string): string | null {
  let base = fromKey;
  for (;;) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (isRealDir(join(root, key))) return key;
    if (!base) return null;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/**
 * Every package the template's dependencies need, as lockfile keys ("node_modules/express",
 * "node_modules/express/node_modules/content-type"), found by walking Fluxy's installed tree the way
 * Node resolves. Required peers and optional dependencies count when installed (npm keeps them too).
 */
export function findDependencyClosure(root: string, names: string[]): string[] {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const manifest = readJson<Manifest>(join(root, key, 'package.json')) ?? {};
    // An optional peer is the root's to want: npm prunes it from a tree whose root does not.
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((name) => !manifest.peerDependenciesMeta?.[name]?.optional);
    const deps = [...peers, ...Object.keys({ ...manifest.optionalDependencies, ...manifest.dependencies })];
    for (const dep of deps) {
      const found = locate(root, key, dep);
      if (found) visit(found);
    }
  };
  for (const name of names) {
    const found = locate(root, '', name);
    if (found) visit(found);
  }
  return [...seen].sort();
}

/** npm's record of what it installed (the hidden lockfile), else the repository's package-lock.json. */
function installedLock(root: string): Record<string, LockEntry> {
  for (const file of [join(root, 'node_modules/.package-lock.json'), join(root, 'package-lock.json')]) {
    const lock = readJson<{ packages?: Record<string, LockEntry> }>(file);
    if (lock?.packages) return lock.packages;
  }
  return {};
}

// Flags describe a package's place in Fluxy's tree (dev-only there may be needed here); npm
// computes them again for the workspace's tree.
const TREE_FLAGS = new Set(['dev', 'devOptional', 'peer', 'extraneous', 'inBundle']);

function lockEntry(source: LockEntry | undefined, manifest: Manifest): LockEntry {
  const entry: LockEntry = {};
  for (const [key, value] of Object.entries(source ?? {})) if (!TREE_FLAGS.has(key)) entry[key] = value;
  entry.version ??= manifest.version;
  return entry;
}

/**
 * The `.bin` links npm would have made, relative and inside the workspace (so `npx vite` runs the
 * workspace's own): npm takes a package whose links are missing for changed and reinstalls it.
 */
function linkBins(workspace: string, keys: string[]): void {
  for (const key of keys) {
    const pkgDir = join(workspace, key);
    const binDir = join(workspace, key.slice(0, key.lastIndexOf('node_modules/') + 'node_modules'.length), '.bin');
    const manifest = readJson<Manifest>(join(pkgDir, 'package.json'));
    if (!manifest?.bin || !manifest.name) continue;
    const bins = typeof manifest.bin === 'string' ? { [manifest.name.split('/').pop() ?? manifest.name]: manifest.bin } : manifest.bin;
    for (const [name, file] of Object.entries(bins)) {
      const link = join(binDir, name);
      if (existsSync(link)) continue;
      mkdirSync(binDir, { recursive: true });
      symlinkSync(relative(binDir, join(pkgDir, file)), link);
    }
  }
}

export interface CopiedModules {
  packages: number;
  ms: number;
}

/**
 * Copies the template's dependency closure from Fluxy's install (`sourceRoot`, holding
 * node_modules) into `workspace/node_modules`, and writes the lockfiles npm reads: package-lock.json
 * (so `npm ci` works) and node_modules/.package-lock.json, written last so npm trusts it and takes
 * the copies for installed (no reinstall, no rebuild) when the agent adds a package.
 */
export function copyTemplateModules(sourceRoot: string, workspace: string): CopiedModules {
  const started = performance.now();
  const modules = join(workspace, 'node_modules');
  // Over an older layout's folder (links removed) only the missing packages are copied, and npm
  // reads that tree from disk: a lockfile of ours would not describe it.
  const fresh = !existsSync(modules);
  const manifest = readJson<Manifest & { devDependencies?: Record<string, string> }>(join(workspace, 'package.json')) ?? {};
  const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  const keys = findDependencyClosure(sourceRoot, names);
  const lock = installedLock(sourceRoot);
  const packages: Record<string, LockEntry> = {};
  for (const key of keys) {
    const from = join(sourceRoot, key);
    if (!fresh && isRealDir(join(workspace, key))) continue;
    // Nested node_modules are copied as their own keys (only what the closure needs); links are
    // copied as what they point to, so nothing in the copy leads back into Fluxy's tree.
    cpSync(from, join(workspace, key), {
      recursive: true,
      dereference: true,
      filter: (src) => src === from || relative(from, src).split(/[\\/]/)[0] !== 'node_modules',
    });
    packages[key] = lockEntry(lock[key], readJson<Manifest>(join(from, 'package.json')) ?? {});
  }
  mkdirSync(modules, { recursive: true });
  linkBins(workspace, keys);
  const head = { name: manifest.name ?? 'workspace', version: manifest.version ?? '0.0.0', lockfileVersion: 3, requires: true };
  const root = { name: head.name, version: head.version, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies };
  const lockFile = join(workspace, 'package-lock.json');
  // The agent's own lockfile (after an install of theirs) is kept; it describes their tree.
  if (fresh && !existsSync(lockFile)) writeFileSync(lockFile, `${JSON.stringify({ ...head, packages: { '': root, ...packages } }, null, 2)}\n`);
  if (fresh) writeFileSync(join(modules, '.package-lock.json'), `${JSON.stringify({ ...head, packages }, null, 2)}\n`);
  return { packages: keys.length, ms: Math.round(performance.now() - started) };
}
