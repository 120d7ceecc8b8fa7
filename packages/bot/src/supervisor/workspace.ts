import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FluxyPaths } from '../shared/paths.ts';

const NOT_COPIED = new Set(['node_modules', 'app.db', 'app.db-wal', 'app.db-shm', '.env']);

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Copies the template to `$FLUXY_HOME/workspace` on first start and never again: after that the
 * workspace is the user's (and the agent's). Its node_modules holds one link per template
 * dependency into Fluxy's own node_modules, so the app runs without an install step; and since
 * they are links per package, not one link for the whole folder, an `npm install` the agent runs
 * in the workspace replaces links in the workspace and never prunes Fluxy's own packages.
 */
export function ensureWorkspace(paths: FluxyPaths): { created: boolean } {
  let created = false;
  if (!existsSync(paths.workspace)) {
    cpSync(paths.template, paths.workspace, {
      recursive: true,
      filter: (src) => !NOT_COPIED.has(basename(src)),
    });
    created = true;
  }
  mkdirSync(join(paths.workspace, 'files'), { recursive: true });
  linkDependencies(paths);
  return { created };
}

function linkDependencies(paths: FluxyPaths): void {
  const modules = join(paths.workspace, 'node_modules');
  // Earlier versions linked the whole folder: replace that link with a folder of links.
  if (lstatOrNull(modules)?.isSymbolicLink()) unlinkSync(modules);
  mkdirSync(modules, { recursive: true });
  const template = JSON.parse(readFileSync(join(paths.template, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const names = [...Object.keys(template.dependencies ?? {}), ...Object.keys(template.devDependencies ?? {})];
  for (const name of names) {
    const link = join(modules, name);
    const target = join(paths.nodeModules, name);
    if (lstatOrNull(link) || !existsSync(target)) continue; // installed by the user, or not ours to give
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
}
