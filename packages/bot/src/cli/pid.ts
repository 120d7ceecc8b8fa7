import { readFileSync } from 'node:fs';
import { isErrno } from '../shared/errors.ts';
import type { PidFile } from '../supervisor/index.ts';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

/** The running instance of this data directory, if any (a pid file left by a crash does not count). */
export function runningInstance(pidFile: string): PidFile | undefined {
  let info: PidFile;
  try {
    info = JSON.parse(readFileSync(pidFile, 'utf8')) as PidFile;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return undefined;
    throw err;
  }
  return typeof info.pid === 'number' && isAlive(info.pid) ? info : undefined;
}
