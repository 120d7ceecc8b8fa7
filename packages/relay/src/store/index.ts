import { createPostgresStore } from './postgres.ts';
import { createSqliteStore } from './sqlite.ts';
import type { RelayStore } from './types.ts';

export type { ClaimRefusal, HandleRecord, RelayStore } from './types.ts';
export { changeKey } from './types.ts';

/** `postgres://…` or `postgresql://…` opens PostgreSQL; anything else is a SQLite file path. */
export function openStore(db: string, options: { onError?: (err: Error) => void; poolSize?: number } = {}): RelayStore {
  if (/^postgres(ql)?:\/\//i.test(db)) return createPostgresStore(db, { onError: options.onError, max: options.poolSize });
  return createSqliteStore(db);
}
