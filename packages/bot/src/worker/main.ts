// The worker process: Express on base+1, the only process that opens memory.db.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { createLogger, resolveLogLevel } from '../shared/logger.ts';
import { resolvePaths } from '../shared/paths.ts';
import { VERSION } from '../shared/version.ts';
import { createWorkerApp } from './app.ts';
import { openDatabase } from '../storage/db.ts';
import { ensureSetupToken } from '../shared/setup-token.ts';

const log = createLogger('worker', { level: resolveLogLevel(process.env.FLUXY_LOG_LEVEL) });
const paths = resolvePaths();
const port = Number(process.env.PORT);
const internalSecret = process.env.FLUXY_INTERNAL_SECRET;
if (!port || !internalSecret) {
  log.error('PORT and FLUXY_INTERNAL_SECRET are required; the supervisor starts the worker');
  process.exit(2);
}

mkdirSync(paths.home, { recursive: true });
const db = openDatabase(paths.db);
const { app, ctx } = createWorkerApp({ db, paths, internalSecret, log, version: VERSION });
if (!ctx.settings.get('portalPassword')) ensureSetupToken(paths.setupToken);
ctx.sessions.purgeExpired();

const server = createServer({ keepAliveTimeout: 65_000 }, app);
server.listen(port, '127.0.0.1', () => {
  log.debug(`listening on 127.0.0.1:${port}`);
  process.send?.({ type: 'ready' });
});
server.on('error', (err) => {
  log.error('cannot listen', { port, error: err });
  process.exit(1);
});

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The IPC channel closes when the supervisor dies, even by SIGKILL: never outlive it.
process.on('disconnect', shutdown);
