import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Reading an installed npm tree the way Node resolves in it, for workspace-modules.ts.

export interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: string | Record<string, string>;
}

export function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A real directory (npm's workspace links, e.g. Fluxy's own packages, are never the template's to copy). */
export function isRealDir(path: string): boolean {
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
export function locate(exists: (key: string) => boolean, fromKey: string, name: string): string | null {
  let base = fromKey;
  for (;;) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (exists(key)) return key;
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
  const installed = (key: string) => isRealDir(join(root, key));
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const manifest = readJson<Manifest>(join(root, key, 'package.json')) ?? {};
    // An optional peer is the root's to want: npm prunes it from a tree whose root does not.
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((name) => !manifest.peerDependenciesMeta?.[name]?.optional);
    const deps = [...peers, ...Object.keys({ ...manifest.optionalDependencies, ...manifest.dependencies })];
    for (const dep of deps) {
      const found = locate(installed, key, dep);
      if (found) visit(found);
    }
  };
  for (const name of names) {
    const found = locate(installed, '', name);
    if (found) visit(found);
  }
  return [...seen].sort();
}

