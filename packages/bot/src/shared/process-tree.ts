import { isErrno } from './errors.ts';

/**
 * Signals a whole process group (the negative pid): a child spawned `detached` leads its own group,
 * so this reaches it and everything it started (esbuild, a tool's shell, …). A group that is gone
 * already is not an error; anything else (EPERM) is thrown.
 */
export function killProcessTree(pid: number | null | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if (!isErrno(err, 'ESRCH')) throw err;
  }
}
