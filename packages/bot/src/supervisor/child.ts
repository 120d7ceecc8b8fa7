import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { connect } from 'node:net';
import { isErrno } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { killProcessTree } from '../shared/process-tree.ts';

export type ChildState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  /** The child's whole environment: an allow-list, never the supervisor's own. */
  env: NodeJS.ProcessEnv;
  /** The port the child listens on. */
  port: number;
  /**
   * When the child counts as running: `ipc`, once it says `{type:'ready'}` over the IPC channel
   * (our own children: a stranger squatting on the port must never be taken for the worker and
   * sent its secret); `port`, once a TCP connect succeeds (the user's backend).
   */
  readiness: 'ipc' | 'port';
  /** A run longer than this before a crash starts a fresh restart budget (default 30 s; tests shorten it). */
  stableMs?: number;
  logFile: string;
}

export interface ChildSnapshot {
  state: ChildState;
  pid: number | null;
  port: number;
  restarts: number;
  since: string;
  lastExit: string | null;
}

export const MAX_RESTARTS = 3;
/** A child that ran this long before dying was not crash-looping: its restart budget starts over. */
export const STABLE_MS = 30_000;
const KILL_GRACE_MS = 3_000;

/**
 * One supervised child process in its own process group. Crashes restart it after 1 s, 2 s,
 * 3 s; a fourth crash in a row leaves it `failed` until someone restarts it. Emits `state`.
 */
export class ManagedChild extends EventEmitter<{ state: [ChildState]; exit: [number | null, NodeJS.Signals | null] }> {
  state: ChildState = 'stopped';
  restarts = 0;
  private proc: ChildProcess | null = null;
  private spawnedAt = 0;
  private since = Date.now();
  private lastExit: string | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private disposed = false;
  private restartChain: Promise<void> = Promise.resolve();
  private restartQueued = false;
  private log: Logger;
  private out: WriteStream;

  constructor(
    readonly spec: ChildSpec,
    log: Logger,
  ) {
    super();
    this.log = log.child(spec.name);
    this.out = createWriteStream(spec.logFile, { flags: 'a' });
    this.out.on('error', (err) => this.log.warn('cannot write log file', { error: err }));
  }

  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  snapshot(): ChildSnapshot {
    return {
      state: this.state,
      pid: this.pid,
      port: this.spec.port,
      restarts: this.restarts,
      since: new Date(this.since).toISOString(),
      lastExit: this.lastExit,
    };
  }

  start(): void {
    if (this.proc || this.disposed) return;
    this.stopping = false;
    this.setState('starting');
    const { command, args, cwd, env } = this.spec;
    const proc = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.proc = proc;
    this.spawnedAt = Date.now();
    const onData = (chunk: Buffer) => this.out.write(chunk);
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    // Our IPC channel is only a lifeline (children exit when it closes); a dead child's EPIPE is expected.
    proc.on('error', (err) => {
      if (isErrno(err, 'EPIPE', 'ERR_IPC_CHANNEL_CLOSED')) return;
      this.log.error('spawn failed', { error: err });
      // A process that never started emits no 'exit': count it as a crash, or it stays 'starting'.
      if (proc.pid === undefined) this.onExit(proc, null, null);
    });
    if (this.spec.readiness === 'ipc') {
      proc.on('message', (m: { type?: string }) => {
        if (m?.type === 'ready' && this.proc === proc && this.state === 'starting') this.setState('running');
      });
    } else {
      proc.once('spawn', () => this.waitForPort(proc));
    }
    proc.once('exit', (code, signal) => this.onExit(proc, code, signal));
  }

  private waitForPort(proc: ChildProcess): void {
    const attempt = () => {
      if (this.proc !== proc || this.state !== 'starting') return;
      const socket = connect({ host: '127.0.0.1', port: this.spec.port });
      socket.once('connect', () => {
        socket.destroy();
        if (this.proc === proc && this.state === 'starting') {
          this.log.debug('ready', { pid: proc.pid, port: this.spec.port });
          this.setState('running');
        }
      });
      socket.once('error', () => {
        socket.destroy();
        setTimeout(attempt, 50).unref();
      });
    };
    attempt();
  }

  private onExit(proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.proc !== proc) return;
    this.proc = null;
    killProcessTree(proc.pid, 'SIGKILL'); // whatever it left in its group (esbuild services, its own children)
    this.lastExit = proc.pid === undefined ? 'could not start' : signal ? `signal ${signal}` : `code ${code}`;
    this.emit('exit', code, signal);
    if (this.stopping) {
      this.setState('stopped');
      return;
    }
    const ranFor = Date.now() - this.spawnedAt;
    if (ranFor > (this.spec.stableMs ?? STABLE_MS)) this.restarts = 0;
    if (this.restarts >= MAX_RESTARTS) {
      this.log.error(`exited (${this.lastExit}) and gave up after ${MAX_RESTARTS} restarts`);
      this.setState('failed');
      return;
    }
    this.restarts++;
    const delay = 1000 * this.restarts;
    this.log.warn(`exited (${this.lastExit}); restart ${this.restarts}/${MAX_RESTARTS} in ${delay / 1000} s`);
    this.setState('restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start();
    }, delay);
  }

  /** SIGTERM to the process group, SIGKILL after a grace period; resolves once it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const proc = this.proc;
    if (!proc?.pid) {
      this.proc = null;
      this.setState('stopped');
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => killProcessTree(proc.pid, 'SIGKILL'), KILL_GRACE_MS);
      timer.unref();
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      killProcessTree(proc.pid, 'SIGTERM');
    });
  }

  /** Stop and start again with a fresh restart budget. One at a time; asked during one, it runs once more after. */
  restart(): Promise<void> {
    if (this.restartQueued) return this.restartChain;
    this.restartQueued = true;
    this.restartChain = this.restartChain.then(async () => {
      this.restartQueued = false;
      await this.stop();
      this.restarts = 0;
      this.start();
    });
    return this.restartChain;
  }

  /** Resolves true once running, false if it failed, stopped or did not come up in time. */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.state === 'running') return Promise.resolve(true);
    if (this.state === 'failed' || this.state === 'stopped') return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.off('state', onState);
        resolve(ok);
      };
      const onState = (s: ChildState) => {
        if (s === 'running') done(true);
        else if (s === 'failed' || s === 'stopped') done(false);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.on('state', onState);
    });
  }

  /** Stops it for good: a restart queued or timed before this never starts it again. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
    await new Promise<void>((resolve) => this.out.end(resolve));
  }

  private setState(state: ChildState): void {
    if (this.state === state) return;
    this.state = state;
    this.since = Date.now();
    this.emit('state', state);
  }
}

