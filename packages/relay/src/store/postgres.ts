import type { RelayTier } from '@fluxy/protocol';
import pg from 'pg';
import { MIGRATIONS, migrationSql } from './migrations.ts';
import { type HandleRow, toRecord } from './rows.ts';
import type { ClaimRefusal, RelayStore } from './types.ts';

const CHANNEL = 'fluxy_relay_changes';
const UNIQUE_VIOLATION = '23505';


// BIGINT (epoch ms, ids) comes back as a string by default; every value we store fits a double.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

type Query = (sql: string, params?: unknown[]) => Promise<pg.QueryResult>;

/**
 * PostgreSQL store: several relay processes, on one machine or many, share it. Changes are
 * broadcast with NOTIFY so that every process drops its cached copy of a handle at once.
 */
export function createPostgresStore(url: string, options: { max?: number; onError?: (err: Error) => void } = {}): RelayStore {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types, idleTimeoutMillis: 30_000 });
  const onError = options.onError ?? (() => {});
  // An idle client losing its connection emits on the pool; without a listener that would crash.
  pool.on('error', onError);
  const listeners: ((key: string) => void)[] = [];
  let listenClient: pg.PoolClient | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const q: Query = (sql, params) => pool.query(sql, params);
  const one = async (sql: string, params: unknown[]) => toRecord((await q(sql, params)).rows[0] as HandleRow | undefined);

  async function tx<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn((sql, params) => client.query(sql, params));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(onError);
      throw err;
    } finally {
      client.release();
    }
  }

  async function refusal(query: Query, name: string, tier: RelayTier, now: number, reclaim?: string) {
    if ((await query('SELECT 1 FROM relay_handles WHERE name = $1 AND tier = $2', [name, tier])).rowCount) {
      return { reason: 'taken' as ClaimRefusal, reclaimed: false };
    }
    const hold = (await query('SELECT token_hash FROM relay_holds WHERE name = $1 AND tier = $2 AND until_at > $3', [name, tier, now]))
      .rows[0] as { token_hash: string } | undefined;
    if (hold && hold.token_hash !== reclaim) return { reason: 'cooling_off' as ClaimRefusal, reclaimed: false };
    if (tier === 'premium' && !hold && !(await query('SELECT 1 FROM relay_entitlements WHERE name = $1', [name])).rowCount) {
      return { reason: 'entitlement_required' as ClaimRefusal, reclaimed: false };
    }
    return { reason: undefined, reclaimed: hold !== undefined };
  }

  async function consume(query: Query, name: string, tier: RelayTier, reclaimed: boolean): Promise<boolean> {
    if (tier === 'premium' && !reclaimed) {
      // Two relays racing for one entitlement: only the one whose DELETE finds the row wins.
      if (!(await query('DELETE FROM relay_entitlements WHERE name = $1', [name])).rowCount) return false;
    }
    await query('DELETE FROM relay_holds WHERE name = $1 AND tier = $2', [name, tier]);
    return true;
  }

  // One hold per token: renaming again frees the name held before (see sqlite.ts).
  const hold = async (query: Query, name: string, tier: RelayTier, tokenHash: string, until: number) => {
    await query('DELETE FROM relay_holds WHERE token_hash = $1', [tokenHash]);
    await query(
      'INSERT INTO relay_holds (name, tier, token_hash, until_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name, tier) DO UPDATE SET token_hash = excluded.token_hash, until_at = excluded.until_at',
      [name, tier, tokenHash, until],
    );
  };

  /** A unique violation means another process claimed the name between our check and insert. */
  async function claim<T>(fn: (query: Query) => Promise<T>): Promise<T | { ok: false; reason: ClaimRefusal }> {
    try {
      return await tx(fn);
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return { ok: false, reason: 'taken' };
      throw err;
    }
  }

  async function listen(): Promise<void> {
    if (closed || listeners.length === 0 || listenClient) return;
    try {
      const client = await pool.connect();
      listenClient = client;
      const drop = (err?: Error) => {
        if (listenClient !== client) return;
        listenClient = undefined;
        client.release(err ?? true);
        if (err) onError(err);
        // Notifications may have been missed while disconnected: forget everything cached.
        for (const l of listeners) l('*');
        if (!closed) retry = setTimeout(() => void listen(), 1000).unref();
      };
      client.on('error', drop);
      client.on('end', () => drop());
      client.on('notification', (msg) => {
        if (msg.channel === CHANNEL && msg.payload) for (const l of listeners) l(msg.payload);
      });
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      onError(err as Error);
      listenClient = undefined;
      if (!closed) retry = setTimeout(() => void listen(), 1000).unref();
    }
  }

  return {
    kind: 'postgres',
    async migrate() {
      await tx(async (query) => {
        // One process migrates; the others wait here and then find nothing left to do.
        await query(`SELECT pg_advisory_xact_lock(hashtext('fluxy-relay-migrate'))`);
        await query('CREATE TABLE IF NOT EXISTS relay_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
        const done = new Set((await query('SELECT version FROM relay_migrations')).rows.map((r: { version: number }) => r.version));
        for (const m of MIGRATIONS) {
          if (done.has(m.version)) continue;
          await query(migrationSql(m.sql, 'postgres'));
          await query('INSERT INTO relay_migrations (version, applied_at) VALUES ($1, $2)', [m.version, Date.now()]);
        }
      });
    },
    getHandle: (name, tier) => one('SELECT * FROM relay_handles WHERE name = $1 AND tier = $2', [name, tier]),
    getHandleByTokenHash: (tokenHash) => one('SELECT * FROM relay_handles WHERE token_hash = $1', [tokenHash]),
    async claimRefusal(name, tier, now, reclaim) {
      return (await refusal(q, name, tier, now, reclaim)).reason;
    },
    createHandle: (input) =>
      claim(async (query) => {
        const r = await refusal(query, input.name, input.tier, input.now, input.reclaimTokenHash);
        if (r.reason) return { ok: false as const, reason: r.reason };
        if (!(await consume(query, input.name, input.tier, r.reclaimed))) return { ok: false as const, reason: 'entitlement_required' as const };
        const row = (
          await query('INSERT INTO relay_handles (name, tier, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING *', [
            input.name,
            input.tier,
            input.tokenHash,
            input.now,
          ])
        ).rows[0] as HandleRow;
        return { ok: true as const, record: toRecord(row)! };
      }),
    touch: (id, now, tunnelUrl) =>
      one('UPDATE relay_handles SET online = 1, last_seen_at = $1, tunnel_url = COALESCE($2, tunnel_url) WHERE id = $3 RETURNING *', [
        now,
        tunnelUrl ?? null,
        id,
      ]),
    setOffline: (id) => one('UPDATE relay_handles SET online = 0 WHERE id = $1 RETURNING *', [id]),
    rename: (id, newName, now, holdUntil) =>
      claim(async (query) => {
        const current = toRecord((await query('SELECT * FROM relay_handles WHERE id = $1 FOR UPDATE', [id])).rows[0] as HandleRow | undefined);
        if (!current) return { ok: false as const, reason: 'taken' as const };
        const r = await refusal(query, newName, current.tier, now, current.tokenHash);
        if (r.reason) return { ok: false as const, reason: r.reason };
        if (!(await consume(query, newName, current.tier, r.reclaimed))) return { ok: false as const, reason: 'entitlement_required' as const };
        const row = (await query('UPDATE relay_handles SET name = $1 WHERE id = $2 RETURNING *', [newName, id])).rows[0] as HandleRow;
        await hold(query, current.name, current.tier, current.tokenHash, holdUntil);
        return { ok: true as const, record: toRecord(row)! };
      }),
    release: (id, holdUntil) =>
      tx(async (query) => {
        const current = toRecord((await query('DELETE FROM relay_handles WHERE id = $1 RETURNING *', [id])).rows[0] as HandleRow | undefined);
        if (current) await hold(query, current.name, current.tier, current.tokenHash, holdUntil);
        return current;
      }),
    async grant(name, now) {
      await q('INSERT INTO relay_entitlements (name, granted_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, now]);
    },
    async revoke(name) {
      return ((await q('DELETE FROM relay_entitlements WHERE name = $1', [name])).rowCount ?? 0) > 0;
    },
    async listGrants() {
      return (await q('SELECT name FROM relay_entitlements ORDER BY name')).rows.map((r: { name: string }) => r.name);
    },
    async ping() {
      await q('SELECT 1');
    },
    async publishChange(key) {
      await q('SELECT pg_notify($1, $2)', [CHANNEL, key]);
    },
    onChange(listener) {
      listeners.push(listener);
      void listen();
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const client = listenClient;
      listenClient = undefined;
      client?.release(true);
      await pool.end();
    },
  };
}
