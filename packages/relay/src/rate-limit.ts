/**
 * A fixed-window counter per key, in memory. Each relay process counts for itself, so behind N
 * processes a client gets at most N times the limit: still bounded, and no database write per
 * check. Expired windows are swept so that a flood of addresses cannot grow the map forever.
 */
export interface RateLimiter {
  /** Counts one hit; undefined when allowed, else the seconds until the window resets. */
  hit(key: string): number | undefined;
  close(): void;
}

export function createRateLimiter(limit: number, windowMs: number, now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const sweep = setInterval(() => {
    const t = now();
    for (const [k, w] of windows) if (w.resetAt <= t) windows.delete(k);
  }, Math.max(1000, windowMs)).unref();
  return {
    hit(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || w.resetAt <= t) {
        w = { count: 0, resetAt: t + windowMs };
        windows.set(key, w);
      }
      w.count += 1;
      if (w.count <= limit) return undefined;
      return Math.max(1, Math.ceil((w.resetAt - t) / 1000));
    },
    close() {
      clearInterval(sweep);
    },
  };
}
