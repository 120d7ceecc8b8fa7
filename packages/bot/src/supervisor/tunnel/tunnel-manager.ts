import type { Logger } from '../../shared/logger.ts';
import { isReady, type QuickTunnel } from './quick-tunnel.ts';

export type TunnelState = 'starting' | 'up' | 'down';

export interface TunnelManagerOptions {
  /**
   * Starts one cloudflared and resolves when it is ready (quick-tunnel.ts); `signal` aborts at
   * close; `printed` gets the URL as soon as cloudflared prints it.
   */
  launch(signal: AbortSignal, printed: (url: string) => void): Promise<QuickTunnel>;
  /** Every new public URL (the relay client sends it on). */
  onUrl(url: string): void;
  log: Logger;
  /** The watchdog's period (30 s). */
  intervalMs?: number;
  /** More than this between two ticks: the machine slept (60 s). */
  sleepGapMs?: number;
  /** The HEAD to the public URL (5 s). */
  headTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
}

const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** Cloudflare refused a new quick tunnel (429): wait at least this long before asking again. */
const RATE_LIMIT_FLOOR_MS = 60_000;

/**
 * Keeps one quick tunnel alive. A watchdog ticks every `intervalMs / 6` but checks only every
 * `intervalMs`, or at once when the wall clock jumped more than `sleepGapMs` between two ticks
 * (timers do not run while the machine sleeps, and a tunnel rarely survives a sleep). A check asks
 * cloudflared's `/ready` (alive but without an edge connection is dead too) and sends a HEAD to
 * the public URL. A dead tunnel is replaced after a jittered backoff, longer when Cloudflare said
 * 429; never in a tight loop.
 */
export function createTunnelManager(options: TunnelManagerOptions) {
  const { log } = options;
  const intervalMs = options.intervalMs ?? 30_000;
  const sleepGapMs = options.sleepGapMs ?? 60_000;
  const headTimeoutMs = options.headTimeoutMs ?? 5_000;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  let state: TunnelState = 'starting';
  let current: QuickTunnel | undefined;
  let url: string | null = null;
  /** The URL of the tunnel that is starting, once printed. */
  let printedUrl: string | null = null;
  let failures = 0;
  let headFailures = 0;
  let closed = false;
  let checking = false;
  let lastTick = now();
  let lastCheck = now();
  let retryTimer: NodeJS.Timeout | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  const abort = new AbortController();
  let launching: Promise<void> | undefined;

  const backoff = (rateLimited: boolean) => {
    const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures, 10));
    const jittered = exp * (0.7 + 0.6 * random());
    return Math.round(rateLimited ? Math.max(RATE_LIMIT_FLOOR_MS, jittered) : jittered);
  };

  function launch(): Promise<void> {
    launching = launchOnce().finally(() => {
      launching = undefined;
    });
    return launching;
  }

  async function launchOnce(): Promise<void> {
    if (closed) return;
    state = 'starting';
    printedUrl = null;
    try {
      const tunnel = await options.launch(abort.signal, (printed) => {
        printedUrl = printed;
      });
      if (closed) return void (await tunnel.stop());
      current = tunnel;
      failures = 0;
      headFailures = 0;
      state = 'up';
      lastCheck = now();
      if (tunnel.url !== url) {
        url = tunnel.url;
        log.info(`tunnel up at ${tunnel.url}`);
        options.onUrl(tunnel.url);
      }
      tunnel.exited.then(() => {
        if (current !== tunnel || closed) return;
        log.warn('cloudflared exited; starting a new tunnel');
        replace();
      });
    } catch (err) {
      if (closed) return;
      const e = err as Error & { code?: string };
      const rateLimited = e.code === 'tunnel_rate_limited';
      const wait = backoff(rateLimited);
      failures++;
      state = 'down';
      log.warn(`tunnel did not start: ${e.message} Retrying in ${Math.round(wait / 1000)} s.`);
      retryTimer = setTimeout(() => void launch(), wait);
      retryTimer.unref();
    }
  }

  /** Drops the current tunnel and starts another (after a backoff when they keep dying). */
  function replace(): void {
    const old = current;
    current = undefined;
    state = 'down';
    void old?.stop();
    const wait = failures === 0 ? 0 : backoff(false);
    failures++;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void launch(), wait);
    retryTimer.unref();
  }

  async function healthy(tunnel: QuickTunnel): Promise<boolean> {
    if (!(await isReady(tunnel.metricsUrl, headTimeoutMs))) {
      log.warn('cloudflared is not connected to Cloudflare (/ready failed)');
      return false;
    }
    try {
      // A file the supervisor serves itself: any answer below 500 means the whole path works.
      const res = await fetch(`${tunnel.url}/fluxy/widget.js`, { method: 'HEAD', signal: AbortSignal.timeout(headTimeoutMs) });
      if (res.status < 500) {
        headFailures = 0;
        return true;
      }
      log.warn(`the public URL answered ${res.status}`);
    } catch (err) {
      log.warn('the public URL does not answer', { error: err });
    }
    // A single lost HEAD is the network's; two in a row are the tunnel's.
    return ++headFailures < 2;
  }

  async function check(): Promise<void> {
    const tunnel = current;
    if (!tunnel || checking || closed) return;
    checking = true;
    lastCheck = now();
    try {
      if (!(await healthy(tunnel)) && current === tunnel && !closed) {
        log.warn('the tunnel is dead; starting a new one');
        failures = 0; // it worked until now: the first replacement is immediate
        replace();
      }
    } finally {
      checking = false;
    }
  }

  function tick(): void {
    const t = now();
    const slept = t - lastTick > sleepGapMs;
    lastTick = t;
    if (slept) log.info('the machine was asleep; checking the tunnel now');
    if (slept || t - lastCheck >= intervalMs) void check();
  }

  return {
    start(): void {
      void launch();
      lastTick = now();
      tickTimer = setInterval(tick, Math.max(50, Math.floor(intervalMs / 6)));
      tickTimer.unref();
    },
    /** Runs the watchdog's tick now (tests with an injected clock). */
    tick,
    get state(): TunnelState {
      return state;
    },
    /** The working tunnel's URL; while one starts, its URL once printed (null before). */
    get url(): string | null {
      return state === 'up' ? url : printedUrl;
    },
    get pid(): number | null {
      return current?.pid ?? null;
    },
    async close(): Promise<void> {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(tickTimer);
      abort.abort();
      await launching;
      await current?.stop();
      current = undefined;
    },
  };
}
export type TunnelManager = ReturnType<typeof createTunnelManager>;
