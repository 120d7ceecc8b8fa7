import type { RelayTier } from '@fluxy/protocol';

/** A registered handle as stored. Times are epoch milliseconds. */
export interface HandleRecord {
  id: number;
  name: string;
  tier: RelayTier;
  tokenHash: string;
  tunnelUrl: string | null;
  /** False after a disconnect; staleness is computed from `lastSeenAt`, not stored. */
  online: boolean;
  lastSeenAt: number | null;
  createdAt: number;
}

export type ClaimRefusal = 'taken' | 'cooling_off' | 'entitlement_required';

export interface CreateHandleInput {
  name: string;
  tier: RelayTier;
  tokenHash: string;
  now: number;
  /** Hash of the bearer token that released this name, if the caller presents one: it may reclaim the name during its cooling-off. */
  reclaimTokenHash?: string;
}

/**
 * Everything the relay keeps. Two implementations (SQLite, PostgreSQL) pass the same suite
 * (`test/store-suite.ts`). Methods that claim a name are atomic: two relays racing for one name
 * cannot both win, and a refused claim consumes nothing.
 */
export interface RelayStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Brings the schema up to date; safe to run from several processes at once. */
  migrate(): Promise<void>;
  getHandle(name: string, tier: RelayTier): Promise<HandleRecord | undefined>;
  getHandleByTokenHash(tokenHash: string): Promise<HandleRecord | undefined>;
  /** Why `name` cannot be claimed now by the holder of `reclaimTokenHash`, or undefined if it can. */
  claimRefusal(name: string, tier: RelayTier, now: number, reclaimTokenHash?: string): Promise<ClaimRefusal | undefined>;
  createHandle(input: CreateHandleInput): Promise<{ ok: true; record: HandleRecord } | { ok: false; reason: ClaimRefusal }>;
  /** Marks online and sets `lastSeenAt`; replaces the tunnel URL when one is given. */
  touch(id: number, now: number, tunnelUrl?: string): Promise<HandleRecord | undefined>;
  setOffline(id: number): Promise<HandleRecord | undefined>;
  /** Renames; the old name is held for the same token until `holdUntil`. */
  rename(id: number, newName: string, now: number, holdUntil: number): Promise<{ ok: true; record: HandleRecord } | { ok: false; reason: ClaimRefusal }>;
  /** Deletes the handle; its name is held for its token until `holdUntil`. */
  release(id: number, holdUntil: number): Promise<HandleRecord | undefined>;
  grant(name: string, now: number): Promise<void>;
  revoke(name: string): Promise<boolean>;
  listGrants(): Promise<string[]>;
  /** A cheap round trip for `/healthz`. */
  ping(): Promise<void>;
  /**
   * Tells every process sharing this database that a handle changed (PostgreSQL: NOTIFY);
   * `onChange` receives `tier:name` keys from every process, including this one.
   */
  publishChange(key: string): Promise<void>;
  onChange(listener: (key: string) => void): void;
  close(): Promise<void>;
}

export function changeKey(tier: RelayTier, name: string): string {
  return `${tier}:${name}`;
}
