/**
 * Schema versions, applied in order on start and recorded in `relay_migrations`. Written in the
 * SQL both SQLite and PostgreSQL accept; `{{id}}` is the one spelling that differs. Never edit a
 * released migration: add the next one.
 */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE relay_handles (
        id {{id}},
        name TEXT NOT NULL,
        tier TEXT NOT NULL CHECK (tier IN ('free', 'premium')),
        token_hash TEXT NOT NULL UNIQUE,
        tunnel_url TEXT,
        online INTEGER NOT NULL DEFAULT 0,
        last_seen_at BIGINT,
        created_at BIGINT NOT NULL,
        UNIQUE (name, tier)
      );
      CREATE TABLE relay_holds (
        name TEXT NOT NULL,
        tier TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        until_at BIGINT NOT NULL,
        PRIMARY KEY (name, tier)
      );
      CREATE TABLE relay_entitlements (
        name TEXT PRIMARY KEY,
        granted_at BIGINT NOT NULL
      );
    `,
  },
  {
    // A token holds at most one released name (store/*.ts rename and release): found by its hash.
    version: 2,
    sql: 'CREATE INDEX relay_holds_token ON relay_holds (token_hash);',
  },
];

export function migrationSql(sql: string, kind: 'sqlite' | 'postgres'): string {
  return sql.replaceAll('{{id}}', kind === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY');
}
