import type { RelayTier } from '@fluxy/protocol';
import { isIP } from 'node:net';
import { isBlockedAddress } from './ssrf.ts';
import { changeKey, type HandleRecord, type RelayStore } from './store/index.ts';

/** A handle as the proxy needs it, looked up once and kept briefly. */
export interface CachedHandle {
  record: HandleRecord | undefined;
  /** The parsed tunnel URL, parsed once per lookup rather than once per request. */
  target: URL | undefined;
  /** The tunnel URL is an internal IP literal (the proxy-time lookup never sees literals). */
  literalForbidden: boolean;
  fetchedAt: number;
}

export type Presence = 'unknown' | 'offline' | 'online';

export interface HandleCache {
  /** Synchronous when cached: the common request costs no database round trip and no promise. */
  get(name: string, tier: RelayTier): CachedHandle | Promise<CachedHandle>;
  presence(entry: CachedHandle, now?: number): Presence;
  invalidate(key: string): void;
  readonly size: number;
}

export interface HandleCacheOptions {
  store: RelayStore;
  staleAfterMs: number;
  allowPrivateTargets: boolean;
  /** How long a found handle is trusted; changes made anywhere are also pushed (NOTIFY, IPC). */
  ttlMs?: number;
  /** How long "no such handle" is trusted; short, so a new registration shows up quickly. */
  negativeTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export function createHandleCache(options: HandleCacheOptions): HandleCache {
  const { store, staleAfterMs } = options;
  const ttl = options.ttlMs ?? 5000;
  const negativeTtl = options.negativeTtlMs ?? 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  // A cached "stale" verdict is checked against the database before a 503 is served (at most this
  // often): another process may have taken the heartbeat, and heartbeats are not broadcast.
  const staleRecheckMs = Math.min(250, staleAfterMs / 4);
  const entries = new Map<string, CachedHandle>();
  const inflight = new Map<string, Promise<CachedHandle>>();
  // Bumped by invalidate(): a read that started before a change must not cache the old row.
  let generation = 0;

  const isStale = (e: CachedHandle, t: number) =>
    e.record?.online === true && (e.record.lastSeenAt ?? 0) < t - staleAfterMs;

  function load(key: string, name: string, tier: RelayTier): Promise<CachedHandle> {
    let p = inflight.get(key);
    if (p) return p; // one database query however many requests arrive during it
    const startedAt = generation;
    p = store.getHandle(name, tier).then(
      (record) => {
        if (inflight.get(key) === p) inflight.delete(key);
        let target: URL | undefined;
        let literalForbidden = false;
        if (record?.tunnelUrl) {
          target = new URL(record.tunnelUrl);
          const host = target.hostname.replace(/^\[|\]$/g, '');
          literalForbidden = !options.allowPrivateTargets && isIP(host) !== 0 && isBlockedAddress(host);
        }
        const entry: CachedHandle = { record, target, literalForbidden, fetchedAt: now() };
        if (generation !== startedAt) return entry; // answers this request, but is not remembered
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
        entries.set(key, entry);
        return entry;
      },
      (err) => {
        if (inflight.get(key) === p) inflight.delete(key);
        throw err;
      },
    );
    inflight.set(key, p);
    return p;
  }

  return {
    get(name, tier) {
      const key = changeKey(tier, name);
      const e = entries.get(key);
      if (e) {
        const t = now();
        const age = t - e.fetchedAt;
        if (age < (e.record ? ttl : negativeTtl) && !(age > staleRecheckMs && isStale(e, t))) return e;
      }
      return load(key, name, tier);
    },
    presence(e, t = now()) {
      if (!e.record) return 'unknown';
      if (!e.record.online || isStale(e, t)) return 'offline';
      return 'online';
    },
    invalidate(key) {
      generation++;
      if (key === '*') {
        entries.clear();
        inflight.clear();
      } else {
        entries.delete(key);
        inflight.delete(key); // the next request reads afresh instead of joining the old read
      }
    },
    get size() {
      return entries.size;
    },
  };
}
