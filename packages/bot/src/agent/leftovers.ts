// Processes the agent left behind. Claude Code starts background Bash tasks in sessions of their
// own, outside its process group, and does not exit while one runs: a supervisor that died by
// SIGKILL leaves both running. Everything the agent starts inherits CLAUDE_CONFIG_DIR, which is
// this Fluxy's own directory, so that marks them — even after they were re-parented to init.
import { readdirSync, readFileSync } from 'node:fs';

function environOf(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ESRCH' || code === 'EPERM') return undefined;
    throw err;
  }
}

/** Pids of live processes whose environment has `CLAUDE_CONFIG_DIR=<claudeConfigDir>`. Linux only; elsewhere none. */
export function findAgentLeftovers(claudeConfigDir: string): number[] {
  return findProcessesByEnv(`CLAUDE_CONFIG_DIR=${claudeConfigDir}`);
}

/** Pids of live processes (not this one) whose environment holds the entry `NAME=value`. Linux only; elsewhere none. */
export function findProcessesByEnv(marker: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found: number[] = [];
  for (const pid of entries) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    if (environOf(pid)?.split('\0').includes(marker)) found.push(Number(pid));
  }
  return found;
}

/** Kills them (SIGKILL: they belong to an agent turn that no longer exists). Returns how many. */
export function reapAgentLeftovers(claudeConfigDir: string): number {
  let killed = 0;
  for (const pid of findAgentLeftovers(claudeConfigDir)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return killed;
}
