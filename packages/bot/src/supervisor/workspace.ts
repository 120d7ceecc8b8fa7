import { cpSync, existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FluxyPaths } from '../shared/paths.ts';

const NOT_COPIED = new Set(['node_modules', 'app.db', 'app.db-wal', 'app.db-shm', '.env']);

/**
 * Copies the template to `$FLUXY_HOME/workspace` on first start and never again: after that the
 * workspace is the user's (and the agent's). Its node_modules is a link to Fluxy's own, so the
 * dashboard and backend run without an install step of their own.
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
  const link = join(paths.workspace, 'node_modules');
  let present = false;
  try {
    lstatSync(link);
    present = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!present) symlinkSync(paths.nodeModules, link, 'dir');
  return { created };
}
