import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeWorkspaceLocks } from './workspace-lockfiles.ts';
import { findDependencyClosure, isRealDir, type Manifest, readJson } from './workspace-tree.ts';

/**
 * The workspace's node_modules is the workspace's own: real copies of the template's dependency
 * closure, made once, that npm manages like any install of its own. Nothing in it points into
 * Fluxy's installation, so no npm command and no install script run in the workspace can write
 * there (a link per package, the old layout, let `npm install dayjs` rebuild Fluxy's own
 * better-sqlite3 through it). Why copies and not a resolver hook: see ARCHITECTURE.md "Data
 * directory"; the cost (106 MB, under a second on a quiet disk) is in bench/RESULTS.md.
 */

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
  const manifest = readJson<Manifest>(join(workspace, 'package.json')) ?? {};
  const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  const keys = findDependencyClosure(sourceRoot, names);
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
  }
  mkdirSync(modules, { recursive: true });
  linkBins(workspace, keys);
  // The agent's own lockfile (after an install of theirs) is kept; it describes their tree.
  if (fresh) writeWorkspaceLocks(sourceRoot, workspace, keys);
  return { packages: keys.length, ms: Math.round(performance.now() - started) };
}
