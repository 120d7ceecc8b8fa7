import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { type PgCluster, startPostgres } from './pg-cluster.ts';
import { proxySuite } from './proxy-suite.ts';

describe('proxying on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fluxy-relay-proxy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  proxySuite('sqlite', async () => join(dir, 'relay.db'));
});

describe('proxying on PostgreSQL', () => {
  let pg: PgCluster;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());
  proxySuite('postgres', async () => pg.createDatabase('proxy'));
});
