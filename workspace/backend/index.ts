// The workspace backend: an Express server reached from the browser at /app/api/* (the
// supervisor strips the /app/api prefix, so a route written here as /notes is /app/api/notes).
// Add features as files in routes/; the supervisor restarts this process after edits.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';

const envFile = fileURLToPath(new URL('./.env', import.meta.url));
// Load .env before anything reads process.env (db.ts reads DB_PATH), hence the dynamic imports below.
if (existsSync(envFile)) process.loadEnvFile(envFile);

const { db } = await import('./db.ts');
const { loadRoutes } = await import('./load-routes.ts');

const port = Number(process.env.PORT ?? 3004);
// Only the supervisor on this machine talks to us; it adds the session check in front.
const host = '127.0.0.1';
const startedAt = Date.now();

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '10mb' }));
app.use(express.urlencoded({ extended: false, limit: '10mb' }));

const routes = await loadRoutes(app, fileURLToPath(new URL('./routes/', import.meta.url)));

app.get('/health', (_req, res) => {
  res.json({
    ok: true,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    routes: routes.loaded,
    failedRoutes: routes.failed,
  });
});

app.use((req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `No route for ${req.method} ${req.path}` } });
});

// Express 5 forwards errors thrown in async handlers here too. Four arguments mark it as the error handler.
app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const status = e.status ?? e.statusCode ?? 500;
  if (status >= 500) console.error(`[backend] ${req.method} ${req.path} failed:`, err);
  const code =
    e.type === 'entity.too.large'
      ? 'payload_too_large'
      : e.type === 'entity.parse.failed'
        ? 'bad_json'
        : status >= 500
          ? 'internal_error'
          : 'bad_request';
  if (res.headersSent) return;
  res.status(status).json({ error: { code, message: e.message ?? 'Something went wrong' } });
});

const server: Server = app.listen(port, host, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`[backend] listening on http://${host}:${actual} (${routes.loaded.length} route files)`);
});
server.on('error', (err) => {
  console.error('[backend] cannot listen:', err.message);
  process.exit(1);
});

let stopping = false;
function shutdown(signal: string) {
  if (stopping) process.exit(1); // a second signal means "now"
  stopping = true;
  console.log(`[backend] ${signal}, shutting down`);
  // Keep-alive connections from the proxy would hold close() open forever.
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 3000);
  force.unref();
  server.close(() => {
    db.close();
    process.exit(0);
  });
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
