import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import type { FluxyPaths } from '../shared/paths.ts';
import { type CopiedModules, copyTemplateModules } from './workspace-modules.ts';

const NOT_COPIED = new Set(['node_modules', 'app.db', 'app.db-wal', 'app.db-shm', '.env', 'package-lock.json']);

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function pointsInto(link: string, dir: string): boolean {
  try {
    const target = realpathSync(link);
    return target === dir || target.startsWith(dir + sep);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true; // dangling: ours from an older layout
    throw err;
  }
}

/**
 * Removes what older versions put in the workspace's node_modules: one link for the whole folder,
 * or one link per template dependency, both into Fluxy's own node_modules. npm rebuilt Fluxy's
 * native modules through them. Returns whether anything was removed.
 */
function removeLinksIntoFluxy(modules: string, fluxyModules: string): boolean {
  const stat = lstatOrNull(modules);
  if (!stat) return false;
  if (stat.isSymbolicLink()) {
    unlinkSync(modules);
    return true;
  }
  let removed = false;
  for (const name of readdirSync(modules)) {
    const entries = name.startsWith('@') && lstatSync(join(modules, name)).isDirectory() ? readdirSync(join(modules, name)).map((n) => join(name, n)) : [name];
    for (const entry of entries) {
      const path = join(modules, entry);
      if (lstatSync(path).isSymbolicLink() && pointsInto(path, fluxyModules)) {
        unlinkSync(path);
        removed = true;
      }
    }
  }
  // npm's record of the old tree names the links; it would be believed over the folders.
  if (removed) rmSync(join(modules, '.package-lock.json'), { force: true });
  return removed;
}

/**
 * Copies the template to `$FLUXY_HOME/workspace` on first start and never again: after that the
 * workspace is the user's (and the agent's). Its node_modules gets real copies of the template's
 * dependencies (workspace-modules.ts), so the app runs without an install step and nothing the
 * agent runs there can write into Fluxy's installation. They are copied again only when the
 * folder is gone (the agent removed it and started no install) or holds an older version's links.
 */
export function ensureWorkspace(paths: FluxyPaths): { created: boolean; modules: CopiedModules | null } {
  let created = false;
  if (!existsSync(paths.workspace)) {
    cpSync(paths.template, paths.workspace, {
      recursive: true,
      filter: (src) => !NOT_COPIED.has(basename(src)),
    });
    created = true;
  }
  mkdirSync(join(paths.workspace, 'files'), { recursive: true });
  const modules = join(paths.workspace, 'node_modules');
  const migrated = removeLinksIntoFluxy(modules, realpathSync(paths.nodeModules));
  const copied = migrated || !existsSync(modules) ? copyTemplateModules(dirname(paths.nodeModules), paths.workspace) : null;
  return { created, modules: copied };
}
