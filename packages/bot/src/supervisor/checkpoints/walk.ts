import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../shared/errors.ts';

/** A file larger than this is never in a checkpoint (a database dump, a video the agent downloaded). */
export const MAX_CHECKPOINT_FILE_BYTES = 5 * 1024 * 1024;

/** Directory names skipped at any depth: dependencies, and any git repository (the agent's own `.git`). */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);
/** Top-level directories skipped: `files/` holds the user's uploads, not the app. */
const SKIPPED_TOP_DIRS = new Set(['files']);

/**
 * Secrets and data, never in a checkpoint (so never in its history either): `.env` and its
 * variants, SQLite databases and their WAL/SHM files.
 */
export function isExcludedFile(name: string): boolean {
  if (name === '.env' || name.startsWith('.env.')) return true;
  return /\.(db|sqlite|sqlite3)(-wal|-shm|-journal)?$/i.test(name);
}

/**
 * Every file of the workspace a checkpoint may hold, as paths relative to it with `/` (their size
 * is checked by `fitsCheckpoint`, only for files new or changed since the last checkpoint). We
 * list them ourselves instead of letting git walk: the workspace's own `.gitignore` files are the
 * agent's to edit, and what a checkpoint holds must not depend on anything the agent can edit.
 * Symbolic links are kept as links (never followed).
 */
export async function listWorkspaceFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, rel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      // Deleted while we walked (the agent is not running now, but a user's editor may be).
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    const subdirs: Promise<void>[] = [];
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIPPED_DIRS.has(e.name) || (!rel && SKIPPED_TOP_DIRS.has(e.name))) continue;
        subdirs.push(visit(join(dir, e.name), path));
      } else if (e.isSymbolicLink()) {
        if (!isExcludedFile(e.name) && e.name !== 'node_modules') out.push(path);
      } else if (e.isFile() && !isExcludedFile(e.name)) {
        out.push(path);
      }
    }
    await Promise.all(subdirs);
  };
  await visit(root, '');
  return out;
}

/** Whether a file (relative to `root`) is small enough for a checkpoint; a file gone since the walk is not. */
export async function fitsCheckpoint(root: string, rel: string, maxBytes = MAX_CHECKPOINT_FILE_BYTES): Promise<boolean> {
  try {
    return (await lstat(join(root, rel))).size <= maxBytes;
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
    throw err;
  }
}
