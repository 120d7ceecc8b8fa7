import type { RelayTier } from '@fluxy/protocol';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrationSql } from './migrations.ts';
import { type HandleRow, toRecord } from './rows.ts';
import type { ClaimRefusal, CreateHandleInput, RelayStore } from './types.ts';


/**
 * SQLite store: one file, WAL, shared by the worker processes of one machine. better-sqlite3 is
 * synchronous; every statement here is an indexed point query taking microseconds, so blocking
 * the event loop for it is cheaper than a thread hop.
 */
export function createSqliteStore(path: string): RelayStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // Several workers write to one file: wait for the lock instead of failing with SQLITE_BUSY.
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  const listeners: ((key: string) => void)[] = [];
  // Prepared lazily: the tables exist only after migrate().
  const cache = new Map<string, Database.Statement>();
  const st = (sql: string) => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
  const byId = (id: number) => toRecord(st('SELECT * FROM relay_handles WHERE id = ?').get(id) as HandleRow | undefined);

  const refusal = (name: string, tier: RelayTier, now: number, reclaim?: string): { reason?: ClaimRefusal; reclaimed: boolean } => {
    if (st('SELECT 1 FROM relay_handles WHERE name = ? AND tier = ?').get(name, tier)) return { reason: 'taken', reclaimed: false };
    const hold = st('SELECT token_hash FROM relay_holds WHERE name = ? AND tier = ? AND until_at > ?').get(name, tier, now) as
      | { token_hash: string }
      | undefined;
    if (hold && hold.token_hash !== reclaim) return { reason: 'cooling_off', reclaimed: false };
    if (tier === 'premium' && !hold && !st('SELECT 1 FROM relay_entitlements WHERE name = ?').get(name)) {
      return { reason: 'entitlement_required', reclaimed: false };
    }
    return { reclaimed: hold !== undefined };
  };
  // Claiming a name consumes its entitlement (unless the owner reclaims a held name) and its hold.
  const consume = (name: string, tier: RelayTier, reclaimed: boolean) => {
    if (tier === 'premium' && !reclaimed) st('DELETE FROM relay_entitlements WHERE name = ?').run(name);
    st('DELETE FROM relay_holds WHERE name = ? AND tier = ?').run(name, tier);
  };
  // One hold per token: renaming again frees the name held before, so renames cannot squat a
  // name each (they did, by the hundred), while the last name stays reclaimable by its owner.
  const hold = (name: string, tier: RelayTier, tokenHash: string, until: number) => {
    st('DELETE FROM relay_holds WHERE token_hash = ?').run(tokenHash);
    st(
      'INSERT INTO relay_holds (name, tier, token_hash, until_at) VALUES (?, ?, ?, ?) ON CONFLICT (name, tier) DO UPDATE SET token_hash = excluded.token_hash, until_at = excluded.until_at',
    ).run(name, tier, tokenHash, until);
  };

  const createTx = db.transaction((input: CreateHandleInput) => {
    const r = refusal(input.name, input.tier, input.now, input.reclaimTokenHash);
    if (r.reason) return { ok: false as const, reason: r.reason };
    consume(input.name, input.tier, r.reclaimed);
    const info = st('INSERT INTO relay_handles (name, tier, token_hash, created_at) VALUES (?, ?, ?, ?)').run(
      input.name,
      input.tier,
      input.tokenHash,
      input.now,
    );
    return { ok: true as const, record: byId(Number(info.lastInsertRowid))! };
  });
  const renameTx = db.transaction((id: number, newName: string, now: number, holdUntil: number) => {
    const current = byId(id);
    if (!current) return { ok: false as const, reason: 'taken' as const };
    const r = refusal(newName, current.tier, now, current.tokenHash);
    if (r.reason) return { ok: false as const, reason: r.reason };
    consume(newName, current.tier, r.reclaimed);
    st('UPDATE relay_handles SET name = ? WHERE id = ?').run(newName, id);
    hold(current.name, current.tier, current.tokenHash, holdUntil);
    return { ok: true as const, record: byId(id)! };
  });
  const releaseTx = db.transaction((id: number, holdUntil: number) => {
    const current = byId(id);
    if (!current) return undefined;
    st('DELETE FROM relay_handles WHERE id = ?').run(id);
    hold(current.name, current.tier, current.tokenHash, holdUntil);
    return current;
  });

  return {
    kind: 'sqlite',
    async migrate() {
      db.exec('CREATE TABLE IF NOT EXISTS relay_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      // IMMEDIATE takes the write lock first, so two workers starting together migrate once.
      db.transaction(() => {
        const done = new Set((db.prepare('SELECT version FROM relay_migrations').all() as { version: number }[]).map((r) => r.version));
        for (const m of MIGRATIONS) {
          if (done.has(m.version)) continue;
          db.exec(migrationSql(m.sql, 'sqlite'));
          db.prepare('INSERT INTO relay_migrations (version, applied_at) VALUES (?, ?)').run(m.version, Date.now());
        }
      }).immediate();
    },
    async getHandle(name, tier) {
      return toRecord(st('SELECT * FROM relay_handles WHERE name = ? AND tier = ?').get(name, tier) as HandleRow | undefined);
    },
    async getHandleByTokenHash(tokenHash) {
      return toRecord(st('SELECT * FROM relay_handles WHERE token_hash = ?').get(tokenHash) as HandleRow | undefined);
    },
    async claimRefusal(name, tier, now, reclaim) {
      return refusal(name, tier, now, reclaim).reason;
    },
    async createHandle(input) {
      return createTx.immediate(input);
    },
    async touch(id, now, tunnelUrl) {
      st('UPDATE relay_handles SET online = 1, last_seen_at = ?, tunnel_url = COALESCE(?, tunnel_url) WHERE id = ?').run(
        now,
        tunnelUrl ?? null,
        id,
      );
      return byId(id);
    },
    async setOffline(id) {
      st('UPDATE relay_handles SET online = 0 WHERE id = ?').run(id);
      return byId(id);
    },
    async rename(id, newName, now, holdUntil) {
      return renameTx.immediate(id, newName, now, holdUntil);
    },
    async release(id, holdUntil) {
      return releaseTx.immediate(id, holdUntil);
    },
    async grant(name, now) {
      st('INSERT INTO relay_entitlements (name, granted_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, now);
    },
    async revoke(name) {
      return st('DELETE FROM relay_entitlements WHERE name = ?').run(name).changes > 0;
    },
    async listGrants() {
      return (st('SELECT name FROM relay_entitlements ORDER BY name').all() as { name: string }[]).map((r) => r.name);
    },
    async ping() {
      st('SELECT 1').get();
    },
    // Workers of one machine share changes over cluster IPC (see cluster.ts); the file itself
    // has no way to notify, so only this process's listeners hear it here.
    async publishChange(key) {
      for (const l of listeners) l(key);
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async close() {
      db.close();
    },
  };
}
