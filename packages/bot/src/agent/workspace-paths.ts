// Workspace-relative paths for filesChanged. The agent may name a file relative to its cwd, by the
// workspace path we gave it, or by that path's realpath (/tmp vs /private/tmp): accept all three,
// and drop anything outside the workspace rather than report it as a workspace change.
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export function createWorkspacePaths(workspaceDir: string): (path: string) => string | undefined {
  const root = resolve(workspaceDir);
  let realRoot: string | undefined;
  const roots = () => {
    if (realRoot === undefined) {
      try {
        realRoot = realpathSync(root);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        return [root];
      }
    }
    return realRoot === root ? [root] : [root, realRoot];
  };
  return (path) => {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) return undefined;
    const abs = isAbsolute(path) ? resolve(path) : resolve(root, path);
    for (const r of roots()) {
      const rel = relative(r, abs);
      if (rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)) return rel.split(sep).join('/');
    }
    return undefined;
  };
}
