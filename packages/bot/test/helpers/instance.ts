import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PKG_DIR } from '../../src/shared/paths.ts';
import { STATUS_HEADER } from '../../src/shared/session-token.ts';
import { waitFor } from '../../../http-forward/test/wait-for.ts';

export { waitFor };

export const FLUXY_BIN = join(PKG_DIR, 'bin/fluxy.js');
/** The Node flags `bin/fluxy.js` names on its `#!/usr/bin/env -S node …` line: the supervisor runs with them when started as `fluxy`. */
const FLUXY_NODE_FLAGS = (/^#!.*\bnode((?:[ \t]+--\S+)*)/.exec(readFileSync(FLUXY_BIN, 'utf8'))?.[1] ?? '').split(/\s+/).filter(Boolean);

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Port blocks are handed out below the kernel's ephemeral range, so no port-0 listener or outgoing
 * connection of a parallel test can land in one, and each block is claimed with an exclusive lock
 * file shared by every test process on the machine, so no two instances ever pick the same block.
 * What else listens there (a service, a leftover) is caught by probing the claimed block.
 */
const PORT_LOCKS = join(tmpdir(), 'fluxy-test-ports');
const BLOCK_LOW = 20_000;
function blockHigh(): number {
  try {
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (ephemeralLow - 5 > BLOCK_LOW + 1_000) return ephemeralLow - 5;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return 32_760;
}
const claimed = new Set<number>();
// Locks die with the process that took them (a SIGKILLed run leaves a few; they are skipped).
process.on('exit', () => {
  for (const base of claimed) rmSync(join(PORT_LOCKS, String(base)), { force: true });
});

function claimBlock(base: number): boolean {
  mkdirSync(PORT_LOCKS, { recursive: true });
  try {
    writeFileSync(join(PORT_LOCKS, String(base)), String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  claimed.add(base);
  return true;
}

/** Gives a block back (its instance stopped); blocks still held are given back at exit. */
export function releaseBasePort(base: number): void {
  if (claimed.delete(base)) rmSync(join(PORT_LOCKS, String(base)), { force: true });
}

/** A base port whose whole block (N..N+4) this process alone holds and nothing listens on. */
export async function freeBasePort(): Promise<number> {
  const blocks = Math.floor((blockHigh() - BLOCK_LOW) / 5);
  for (let i = 0; i < 500; i++) {
    const base = BLOCK_LOW + Math.floor(Math.random() * blocks) * 5;
    if (!claimBlock(base)) continue;
    const all = await Promise.all([0, 1, 2, 3, 4].map((d) => portFree(base + d)));
    if (all.every(Boolean)) return base;
    releaseBasePort(base);
  }
  throw new Error('no free port block');
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [FLUXY_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What `fluxy status` sends: the key from this run's pid file (none before the file exists). */
/**
 * `promise`, with the end of the bot's own log added to its error when it fails: a wait that
 * times out in CI then says what the bot was doing.
 */
export async function explained<T>(bot: Pick<Instance, 'output'>, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof Error) err.message += `\n--- the bot's log, last 4,000 characters ---\n${bot.output().slice(-4_000)}`;
    throw err;
  }
}

export function statusHeaders(home: string): Record<string, string> {
  try {
    const { statusKey } = JSON.parse(readFileSync(join(home, 'fluxy.pid'), 'utf8')) as { statusKey?: string };
    return statusKey ? { [STATUS_HEADER]: statusKey } : {};
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return {};
    throw err;
  }
}

export interface ChildInfo {
  state: string;
  pid: number | null;
  restarts: number;
  port: number;
}

export interface Instance {
  home: string;
  port: number;
  url: string;
  proc: ChildProcess;
  /** Milliseconds from spawning `fluxy start` to every child reported running. */
  readyMs: number;
  output(): string;
  env: NodeJS.ProcessEnv;
  health(): Promise<{ status: number; body: { ok: boolean; children: Record<string, ChildInfo> } }>;
  login(password?: string): Promise<string>;
  fetch(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  stop(): Promise<number | null>;
}

export interface InstanceOptions {
  /** Run `fluxy setup --password` first (default 'pw'); null leaves the bot unconfigured. */
  password?: string | null;
  /** More `fluxy setup` flags, given with the password (a provider, say). */
  setup?: string[];
  /** Wait until every child runs (default true). */
  waitForChildren?: boolean;
  home?: string;
  /** Extra environment for `fluxy start` (and the CLI calls made with `instance.env`). */
  env?: Record<string, string>;
  /** A fixed base port instead of a free one. */
  port?: number;
  /** false: ready once the supervisor answers /api/health at all (the worker may be down on purpose). */
  expectWorker?: boolean;
  /** Start without `--no-tunnel` (the tunnel tests; default false). */
  tunnel?: boolean;
  /** Node flags for the supervisor's process (the bench tries V8 settings with them). */
  nodeFlags?: string[];
}

export async function startInstance(options: InstanceOptions = {}): Promise<Instance> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'fluxy-test-'));
  const env = { FLUXY_HOME: home, FLUXY_LOG_LEVEL: process.env.FLUXY_LOG_LEVEL ?? 'info', ...options.env };
  const password = options.password === undefined ? 'pw' : options.password;
  if (password !== null) {
    const r = await runCli(['setup', '--password', password, ...(options.setup ?? [])], env);
    if (r.code !== 0) throw new Error(`fluxy setup failed: ${r.stderr}`);
  }
  const port = options.port ?? (await freeBasePort());
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, [...(options.nodeFlags ?? []), FLUXY_BIN, 'start', '--port', String(port), ...(options.tunnel ? [] : ['--no-tunnel'])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  proc.once('exit', () => (exited = true));

  const instance: Instance = {
    home,
    port,
    url,
    proc,
    env,
    readyMs: 0,
    output: () => out,
    async health() {
      // The details (children) are for `fluxy status` and sessions only: speak as `fluxy status` does.
      const res = await fetch(`${url}/api/health`, { headers: statusHeaders(home) });
      return { status: res.status, body: (await res.json()) as { ok: boolean; children: Record<string, ChildInfo> } };
    },
    async login(pw = password ?? 'pw') {
      const res = await fetch(`${url}/api/portal/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: pw }),
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', `Bearer ${init.token}`);
      return fetch(url + path, { ...init, headers, redirect: 'manual' });
    },
    async stop() {
      if (exited) return proc.exitCode;
      const done = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      proc.kill('SIGTERM');
      const code = await done;
      if (!options.home) rmSync(home, { recursive: true, force: true });
      if (options.port === undefined) releaseBasePort(port);
      return code;
    },
  };

  await waitFor(`fluxy on ${url} (output so far: ${out.slice(-400)})`, async () => {
    if (exited) throw new Error(`fluxy exited: ${out}`);
    const h = await instance.health();
    if (options.expectWorker === false) return h.status === 200 || h.status === 503;
    if (options.waitForChildren === false) return h.status === 200;
    const children = Object.values(h.body.children);
    return h.status === 200 && children.length === 3 && children.every((c) => c.state === 'running');
  }, 90_000, 100);
  instance.readyMs = performance.now() - spawnedAt;
  return instance;
}
