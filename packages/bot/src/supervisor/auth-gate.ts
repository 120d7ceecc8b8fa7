import { createHash } from 'node:crypto';

export interface TokenCheck {
  valid: boolean;
  /** epoch ms */
  expiresAt?: number;
}

export interface AuthGateOptions {
  /** Asks the worker; throws when the worker cannot answer. */
  validate(token: string): Promise<TokenCheck>;
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Session checks for the supervisor, answered by the worker and remembered for a minute, so a
 * page load with fifty module requests costs one round trip. A logout through us is forgotten at
 * once; one elsewhere (expiry, another process) takes effect within the TTL.
 */
export function createAuthGate(options: AuthGateOptions) {
  const ttl = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { valid: boolean; until: number }>();
  const inflight = new Map<string, Promise<boolean>>();
  // Keyed by a hash so the cache never holds a usable token.
  const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url');

  return {
    async check(token: string | undefined): Promise<boolean> {
      if (!token || token.length > 200) return false;
      const key = keyOf(token);
      const hit = cache.get(key);
      if (hit && hit.until > now()) return hit.valid;
      const pending = inflight.get(key);
      if (pending) return pending;
      const p = options
        .validate(token)
        .then((r) => {
          const until = Math.min(now() + ttl, r.valid && r.expiresAt ? r.expiresAt : Number.POSITIVE_INFINITY);
          cache.delete(key);
          cache.set(key, { valid: r.valid, until });
          while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
          return r.valid;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },
    forget(token: string): void {
      cache.delete(keyOf(token));
    },
  };
}
export type AuthGate = ReturnType<typeof createAuthGate>;
