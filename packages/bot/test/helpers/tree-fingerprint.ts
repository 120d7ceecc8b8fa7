import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every file under `dirs` as `path → size, mode, inode, mtime, sha256` (links by their target
 * text). The inode and mtime catch a file rewritten with the same bytes: a native module rebuilt
 * in place comes out byte-identical on the same machine.
 */
export function fingerprintTree(root: string, dirs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (path: string) => {
    const stat = lstatSync(path);
    const key = relative(root, path);
    if (stat.isSymbolicLink()) out.set(key, `link ${readlinkSync(path)}`);
    else if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else out.set(key, `${stat.size} ${stat.mode.toString(8)} ${stat.ino} ${stat.mtimeMs} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
  };
  for (const dir of dirs) walk(join(root, dir));
  return out;
}

/** The paths whose fingerprint differs (changed, added or removed), for a readable assertion. */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [path, print] of before) if (after.get(path) !== print) changed.push(path);
  for (const path of after.keys()) if (!before.has(path)) changed.push(path);
  return changed;
}
