import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bot package's own directory (packages/bot) and the repository root above it. */
export const PKG_DIR = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const REPO_DIR = resolve(PKG_DIR, '../..');

export interface FluxyPaths {
  home: string;
  config: string;
  db: string;
  workspace: string;
  bin: string;
  logs: string;
  pidFile: string;
  setupToken: string;
  /** CLAUDE_CONFIG_DIR for the agent: transcripts that `resume` needs live here, across restarts. */
  claudeConfig: string;
  /** The checkpoint history (a bare git repository), outside the workspace the agent edits. */
  checkpoints: string;
  /** Vite's dependency cache, per instance: the shared node_modules must not hold it. */
  viteCache: string;
  /** Sources this instance runs from (not in the data directory). */
  template: string;
  chatStatic: string;
  nodeModules: string;
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): FluxyPaths {
  const home = resolve(env.FLUXY_HOME || join(homedir(), '.fluxy'));
  return {
    home,
    config: join(home, 'config.json'),
    db: join(home, 'memory.db'),
    workspace: join(home, 'workspace'),
    bin: join(home, 'bin'),
    logs: join(home, 'logs'),
    pidFile: join(home, 'fluxy.pid'),
    setupToken: join(home, 'setup-token'),
    claudeConfig: join(home, 'claude'),
    checkpoints: join(home, 'checkpoints'),
    viteCache: join(home, 'cache', 'vite'),
    template: join(REPO_DIR, 'workspace'),
    chatStatic: join(PKG_DIR, 'chat-static'),
    nodeModules: join(REPO_DIR, 'node_modules'),
  };
}

/** Ports of the children, derived from the base port (the contract's layout). */
export function childPorts(base: number): { worker: number; vite: number; backend: number } {
  return { worker: base + 1, vite: base + 2, backend: base + 4 };
}
