import { HEADERS_TIMEOUT_MS, MAX_CONNECTIONS_PER_ADDRESS } from '@fluxy/http-forward/server-guard';
import type { LookupFunction } from 'node:net';
import type { Logger } from './logger.ts';
import type { RelayStore } from './store/index.ts';

/** Everything `createRelay` takes; `resolveRelayOptions` fills in the defaults. */
export interface RelayOptions {
  /** The apex domain: bots live at `NAME.D` (premium) and `NAME.my.D` (free). */
  domain: string;
  /** SQLite path or `postgres://` URL; ignored when `store` is given. Default `./relay.db`. */
  db?: string;
  /** An open store (tests, the cluster primary); the relay then does not close it. */
  store?: RelayStore;
  /** Seconds without a heartbeat after which a bot is offline. Default 120. */
  staleAfterSeconds?: number;
  /** Let tunnel URLs point at loopback and private networks (development, tests). */
  allowPrivateTargets?: boolean;
  /** Believe X-Forwarded-For/-Proto/-Host from the peer: only behind our own load balancer. */
  trustProxy?: boolean;
  /** Scheme of the public addresses the relay hands out and redirects to. Default https. */
  scheme?: 'http' | 'https';
  /** Seconds a released or renamed-away name stays reserved for its old token. Default 7 days. */
  coolingOffSeconds?: number;
  /** Registrations per client address (IPv6: per /64) per window. Default 10 per hour. */
  registerLimit?: { max: number; windowSeconds: number };
  /** Availability checks per client address per window. Default 120 per minute. */
  availabilityLimit?: { max: number; windowSeconds: number };
  /**
   * Renames per handle, and separately per client address, per window. Default 5 per hour: each
   * rename holds the old name for a week, so unlimited renames squatted names by the hundred.
   */
  renameLimit?: { max: number; windowSeconds: number };
  /** Requests with a wrong relay token per client address per window. Default 20 per minute. */
  badTokenLimit?: { max: number; windowSeconds: number };
  /** Concurrent proxied requests and WebSockets per handle, per relay process. Default 256. */
  maxConcurrentPerHandle?: number;
  /** Largest body the relay's own API accepts. Default 16 KiB. */
  maxBodyBytes?: number;
  /** A socket with no traffic for this long is closed. Default 300 s. Not a cap on duration. */
  idleTimeoutSeconds?: number;
  /** Request headers must arrive within this long, else 408 and the socket is closed. Default 30 s. */
  headersTimeoutMs?: number;
  /** Connections one client address may hold at once (0: no cap; always off with trustProxy). Default 256. */
  maxConnectionsPerAddress?: number;
  /** How long a found handle's tunnel URL is cached in this process. Default 5000 ms. */
  cacheTtlMs?: number;
  logger?: Logger;
  /** DNS for tunnel hosts (tests fake it). */
  lookup?: LookupFunction;
  /** Tells the other processes of this machine that a handle changed (cluster IPC). */
  broadcast?: (key: string) => void;
  now?: () => number;
}

export type ResolvedRelayOptions = Required<
  Omit<RelayOptions, 'store' | 'logger' | 'lookup' | 'broadcast' | 'now'>
> &
  Pick<RelayOptions, 'store' | 'logger' | 'lookup' | 'broadcast' | 'now'>;

export function resolveRelayOptions(o: RelayOptions): ResolvedRelayOptions {
  const domain = o.domain.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9.-]+$/.test(domain) || !domain.includes('.') && domain !== 'localhost') {
    throw Object.assign(new Error(`--domain must be a domain name like fluxy.bot (got "${o.domain}")`), { code: 'ERR_BAD_OPTION' });
  }
  return {
    ...o,
    domain,
    db: o.db ?? './relay.db',
    staleAfterSeconds: o.staleAfterSeconds ?? 120,
    allowPrivateTargets: o.allowPrivateTargets ?? false,
    trustProxy: o.trustProxy ?? false,
    scheme: o.scheme ?? 'https',
    coolingOffSeconds: o.coolingOffSeconds ?? 7 * 24 * 3600,
    registerLimit: o.registerLimit ?? { max: 10, windowSeconds: 3600 },
    availabilityLimit: o.availabilityLimit ?? { max: 120, windowSeconds: 60 },
    renameLimit: o.renameLimit ?? { max: 5, windowSeconds: 3600 },
    badTokenLimit: o.badTokenLimit ?? { max: 20, windowSeconds: 60 },
    maxConcurrentPerHandle: o.maxConcurrentPerHandle ?? 256,
    maxBodyBytes: o.maxBodyBytes ?? 16 * 1024,
    idleTimeoutSeconds: o.idleTimeoutSeconds ?? 300,
    headersTimeoutMs: o.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
    // Behind a load balancer every connection comes from the balancer's address.
    maxConnectionsPerAddress: o.trustProxy ? 0 : (o.maxConnectionsPerAddress ?? MAX_CONNECTIONS_PER_ADDRESS),
    cacheTtlMs: o.cacheTtlMs ?? 5000,
  };
}
