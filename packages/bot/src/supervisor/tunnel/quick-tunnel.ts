import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { findProcessesByEnv } from '../../agent/leftovers.ts';
import { FluxyError, isErrno } from '../../shared/errors.ts';
import { killProcessTree } from '../../shared/process-tree.ts';

/** One running `cloudflared tunnel --url …` process and what it printed. */
export interface QuickTunnel {
  url: string;
  pid: number;
  /** cloudflared's metrics server (`/ready`), on loopback. */
  metricsUrl: string;
  /** Resolves when the process has exited (for whatever reason). */
  exited: Promise<void>;
  /** SIGTERM to its process group, SIGKILL after a grace period; resolves once it is gone. */
  stop(): Promise<void>;
}

export interface QuickTunnelOptions {
  binary: string;
  /** The PATH cloudflared gets (from the resolved options). */
  envPath: string;
  /** The tunnel ingress, N+3. */
  ingressPort: number;
  /** `$FLUXY_HOME/cloudflared`: its HOME and its empty config. */
  stateDir: string;
  logFile: string;
  /** How long cloudflared has to print its URL and report ready. */
  startTimeoutMs?: number;
  /** Aborted at shutdown: a tunnel that is still starting is stopped too. */
  signal?: AbortSignal;
  /** The URL as soon as cloudflared prints it, before it is ready (`fluxy status` shows it). */
  onPrinted?(url: string): void;
}

const KILL_GRACE_MS = 3_000;

/**
 * The public URL in cloudflared's banner box (`|  https://x.trycloudflare.com  |`), read only from
 * the box: other lines name the origin URL. An http URL on loopback is what a test's stand-in prints.
 */
const URL_IN_BOX = /\|\s+(https:\/\/[a-z0-9-]+\.trycloudflare\.com|http:\/\/127\.0\.0\.1:\d{1,5})\s+\|/;
/** cloudflared's answers when Cloudflare refuses to hand out more quick tunnels for now. */
export const RATE_LIMITED = /429 Too Many Requests|status code 429|rate.?limit/i;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Private HOME and an empty config: the user's ~/.cloudflared (config.yml, cert.pem) neither blocks a quick tunnel nor leaks into it. */
function prepareStateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const config = join(dir, 'quick-tunnel.yml');
  // One harmless key: cloudflared reads a YAML file without any as an error case ("was empty").
  writeFileSync(config, '# Fluxy runs a quick tunnel: this file stands in for ~/.cloudflared/config.yml, which is never read.\nno-autoupdate: true\n', { mode: 0o600 });
  return config;
}

/** Starts cloudflared and resolves once it printed its URL and its `/ready` answers 200. */
export async function startQuickTunnel(options: QuickTunnelOptions): Promise<QuickTunnel> {
  const config = prepareStateDir(options.stateDir);
  const metricsPort = await freePort();
  const args = [
    'tunnel',
    '--config', config,
    '--url', `http://127.0.0.1:${options.ingressPort}`,
    '--no-autoupdate',
    '--metrics', `127.0.0.1:${metricsPort}`,
    // Its default 30 s of draining on SIGTERM would outlast Fluxy's 5 s shutdown.
    '--grace-period', '1s',
  ];
  const proc = spawn(options.binary, args, {
    // Its own process group, so a stop reaches whatever it starts; an allow-listed environment.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: options.envPath, HOME: options.stateDir },
  });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  log.on('error', () => undefined); // a full disk must not take the tunnel down with it
  let output = '';
  let exitedAlready = false;
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      exitedAlready = true;
      log.end();
      resolve();
    });
    proc.once('error', () => resolve());
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const stop = async () => {
    if (exitedAlready || proc.pid === undefined) return;
    killProcessTree(proc.pid, 'SIGTERM');
    const timer = setTimeout(() => killProcessTree(proc.pid, 'SIGKILL'), KILL_GRACE_MS);
    timer.unref();
    await exited;
    clearTimeout(timer);
    // Anything it left in its group.
    killProcessTree(proc.pid, 'SIGKILL');
  };

  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  if (options.signal?.aborted) void stop();

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new FluxyError('tunnel_timeout', 'cloudflared printed no tunnel URL in time.')), options.startTimeoutMs ?? 45_000);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      output = (output + chunk.toString()).slice(-20_000);
      const m = URL_IN_BOX.exec(output);
      if (m) {
        clearTimeout(timer);
        options.onPrinted?.(m[1]!);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(new FluxyError('tunnel_spawn_failed', `cannot run ${options.binary}: ${err.message}`));
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      const rateLimited = RATE_LIMITED.test(output);
      reject(new FluxyError(rateLimited ? 'tunnel_rate_limited' : 'tunnel_exited', `cloudflared exited (${signal ?? code}) before printing a URL${rateLimited ? ': Cloudflare is rate-limiting quick tunnels' : ''}.`));
    });
  }).catch(async (err) => {
    await stop();
    throw err;
  });

  // Ready once it holds an edge connection: before that the URL answers 502/530.
  const deadline = Date.now() + (options.startTimeoutMs ?? 45_000);
  for (;;) {
    if (exitedAlready) throw new FluxyError('tunnel_exited', 'cloudflared exited before its tunnel was ready.');
    if (await isReady(metricsUrl)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new FluxyError('tunnel_timeout', 'cloudflared printed a URL but never became ready.');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, pid: proc.pid!, metricsUrl, exited, stop };
}

/** cloudflared's `/ready`: 200 only while it holds at least one connection to Cloudflare's edge. */
export async function isReady(metricsUrl: string, timeoutMs = 5_000): Promise<boolean> {
  try {
    const res = await fetch(`${metricsUrl}/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * cloudflared processes an earlier Fluxy of this data directory left running (a supervisor killed
 * by SIGKILL cannot stop its tunnel): each runs with HOME set to `stateDir`, which marks it. Killed
 * at start, before a new tunnel opens. Returns how many.
 */
export function reapTunnelLeftovers(stateDir: string): number {
  let killed = 0;
  for (const pid of findProcessesByEnv(`HOME=${stateDir}`)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch (err) {
      if (!isErrno(err, 'ESRCH')) throw err;
    }
  }
  return killed;
}
