import type { LookupFunction } from 'node:net';
import type { HandleCache } from '../handle-cache.ts';
import type { Logger } from '../logger.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { RelayStore } from '../store/index.ts';

/** What the API routes share; built once per relay by `createRelay`. */
export interface ApiContext {
  store: RelayStore;
  cache: HandleCache;
  logger: Logger;
  domain: string;
  scheme: string;
  staleAfterMs: number;
  coolingOffMs: number;
  allowPrivateTargets: boolean;
  trustProxy: boolean;
  maxBodyBytes: number;
  registerLimiter: RateLimiter;
  availabilityLimiter: RateLimiter;
  /** Keyed `handle:ID` and `addr:KEY`: a rename must pass both. */
  renameLimiter: RateLimiter;
  /** Counts only requests whose relay token is wrong, per address. */
  badTokenLimiter: RateLimiter;
  lookup?: LookupFunction;
  /** Drops the cached copy of a handle here and in every other relay process. */
  changed(key: string): void;
  now(): number;
}
