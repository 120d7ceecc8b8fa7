import type { RelayTier } from '@fluxy/protocol';
import type { HandleRecord } from './types.ts';

/** A `handles` row as both stores read it (PostgreSQL's BIGINT columns are selected as numbers). */
export interface HandleRow {
  id: number;
  name: string;
  tier: RelayTier;
  token_hash: string;
  tunnel_url: string | null;
  online: number;
  last_seen_at: number | null;
  created_at: number;
}

export function toRecord(row: HandleRow | undefined): HandleRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    tier: row.tier,
    tokenHash: row.token_hash,
    tunnelUrl: row.tunnel_url,
    online: row.online === 1,
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
  };
}
