// Spawning Claude Code ourselves (the SDK's spawnClaudeCodeProcess hook) to own its lifetime: it
// runs in its own process group, so stopping it also stops what its Bash tool started (a dev server
// the agent left running), and close() can wait until it is really gone.
import { type ChildProcess, spawn } from 'node:child_process';
import type { SpawnedProcess, SpawnOptions } from '@anthropic-ai/claude-agent-sdk';
import { killProcessTree } from '../shared/process-tree.ts';
import type { Logger } from './types.ts';

/** After stdin closes the CLI saves its transcript and exits; past this it is stopped by signal. */
const EXIT_GRACE_MS = 2500;
const KILL_GRACE_MS = 2000;

export class ClaudeProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  readonly exited: Promise<void>;
  private markExited!: () => void;

  constructor(
    private readonly log: Logger,
    private readonly onStderr: (text: string) => void,
  ) {
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
  }

  /** Passed to the SDK as options.spawnClaudeCodeProcess. */
  readonly spawn = (o: SpawnOptions): SpawnedProcess => {
    const child = spawn(o.command, o.args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => this.onStderr(d));
    child.once('exit', () => this.markExited());
    child.once('error', (err) => {
      this.log.warn('claude process error', { err: String(err) });
      this.markExited();
    });
    // The SDK aborts this signal after its own stdin-EOF grace; by then the group must go.
    o.signal.addEventListener('abort', () => this.killGroup('SIGTERM'), { once: true });
    if (this.stopping) this.stop();
    return child;
  };

  /** Called once the SDK has been told to close: escalate if the process does not leave by itself. */
  stop(): void {
    this.stopping = true;
    if (!this.child) {
      // Never spawned (closed before the SDK got that far): nothing will exit.
      this.markExited();
      return;
    }
    const term = setTimeout(() => {
      this.killGroup('SIGTERM');
      const kill = setTimeout(() => this.killGroup('SIGKILL'), KILL_GRACE_MS);
      kill.unref();
    }, EXIT_GRACE_MS);
    term.unref();
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      // The whole group: the CLI and anything its tools started.
      killProcessTree(pid, signal);
    } catch (err) {
      this.log.warn('claude process kill failed', { err: String(err) });
    }
  }
}
