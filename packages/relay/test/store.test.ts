import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { openStore, type RelayStore } from '../src/store/index.ts';
import { type PgCluster, startPostgres } from './pg-cluster.ts';
import { storeSuite } from './store-suite.ts';

let counter = 0;

describe('SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fluxy-relay-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  storeSuite('sqlite', async () => {
    const s = openStore(join(dir, `s${++counter}.db`));
    await s.migrate();
    return s;
  });
});

describe('PostgreSQL store', () => {
  let pg: PgCluster;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());
  storeSuite('postgres', async (): Promise<RelayStore> => {
    const s = openStore(await pg.createDatabase(`s${++counter}`));
    await s.migrate();
    return s;
  });
});
