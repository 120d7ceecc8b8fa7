import { isIP } from 'node:net';

/**
 * Growing delays after failed sign-ins, per account and per client address. Never a permanent
 * ban: every tunnelled request arrives from loopback, so a ban of 127.0.0.1 would lock the owner
 * out along with the attacker; loopback's delay is capped low instead. A browser with a valid
 * device cookie (device-cookie.ts) is counted on its own instead: strangers' guesses that keep
 * the account delay at its cap do not lock the owner out.
 */
export interface ThrottleOptions {
  freeAttempts?: number;
  maxDelayMs?: number;
  loopbackMaxDelayMs?: number;
  forgetAfterMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

export function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

export function createLoginThrottle(options: ThrottleOptions = {}) {
  const freeAttempts = options.freeAttempts ?? 3;
  const maxDelay = options.maxDelayMs ?? 15 * 60_000;
  const loopbackMax = options.loopbackMaxDelayMs ?? 5_000;
  const forgetAfter = options.forgetAfterMs ?? 60 * 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const keys = (account: string, address: string, device?: string) =>
    device ? [`device:${device}`] : [`account:${account}`, `addr:${address}`];
  const capFor = (key: string) => {
    if (key.startsWith('account:')) return Math.min(maxDelay, 60_000);
    if (key.startsWith('device:')) return maxDelay;
    return isLoopback(key.slice(5)) ? loopbackMax : maxDelay;
  };

  return {
    /** Milliseconds the caller must still wait before another attempt, 0 when it may try now. */
    retryAfterMs(account: string, address: string, device?: string): number {
      const t = now();
      let wait = 0;
      for (const key of keys(account, address, device)) {
        const e = entries.get(key);
        if (!e) continue;
        if (t - e.lastFailure > forgetAfter) entries.delete(key);
        else wait = Math.max(wait, e.blockedUntil - t);
      }
      return Math.max(0, wait);
    },
    recordFailure(account: string, address: string, device?: string): void {
      const t = now();
      for (const key of keys(account, address, device)) {
        const e = entries.get(key) ?? { failures: 0, blockedUntil: 0, lastFailure: t };
        e.failures++;
        e.lastFailure = t;
        if (e.failures > freeAttempts) {
          const delay = Math.min(capFor(key), 1000 * 2 ** (e.failures - freeAttempts - 1));
          e.blockedUntil = t + delay;
        }
        entries.delete(key);
        entries.set(key, e);
      }
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    recordSuccess(account: string, address: string, device?: string): void {
      for (const key of keys(account, address, device)) entries.delete(key);
    },
  };
}
export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
