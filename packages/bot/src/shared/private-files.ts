import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from './errors.ts';

/**
 * The data directory holds the provider API key (memory.db and its -wal in plain text), the relay
 * token (config.json) and the setup token: no other local user may read them. Everything Fluxy
 * creates is owner-only (umask 077, inherited by the children; SQLite gives -wal and -shm the
 * mode of the database), and an install made before this rule is fixed at start.
 */
export function restrictNewFiles(): void {
  process.umask(0o077);
}

/** Directories whose files are ours to chmod: the data directory itself and the logs. */
const FILE_DIRS = ['', 'logs'];

function fix(path: string, mode: number): boolean {
  const stat = lstatSync(path);
  // A symlink's mode is its target's business (the workspace links into node_modules).
  if (stat.isSymbolicLink() || (stat.mode & 0o777) === mode) return false;
  chmodSync(path, mode);
  return true;
}

/**
 * Makes `home` 0700, its top-level directories 0700 and the files in it and in `logs/` 0600.
 * Not recursive into workspace/, bin/, claude/: they are unreachable for others once `home` is
 * 0700, and bin/ holds an executable. Returns how many modes it changed.
 */
export function lockDownDataDir(home: string): number {
  let changed = 0;
  for (const sub of FILE_DIRS) {
    const dir = join(home, sub);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      throw err;
    }
    if (fix(dir, 0o700)) changed++;
    for (const name of names) {
      const path = join(dir, name);
      try {
        const stat = lstatSync(path);
        if (stat.isFile() && fix(path, 0o600)) changed++;
        else if (stat.isDirectory() && sub === '' && fix(path, 0o700)) changed++;
      } catch (err) {
        // Gone between readdir and chmod (a -shm file of a closing database): nothing to protect.
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
  }
  return changed;
}
