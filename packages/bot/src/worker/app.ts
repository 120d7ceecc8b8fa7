import { ChildrenReportSchema } from '@fluxy/protocol';
import express, { type NextFunction, type Request, type Response } from 'express';
import { isOpenWorkerRoute } from '../shared/open-routes.ts';
import { secretMatches } from '../shared/secret-match.ts';
import { CLIENT_IP_HEADER, INTERNAL_HEADER, PROTO_HEADER, PROXY_HEADER, sessionCredentials } from '../shared/session-token.ts';
import { createWorkerContext, type WorkerOptions } from './context.ts';
import { errorHandler, parseBody, sendError } from './http.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { handleRoutes } from './routes/handle.ts';
import { portalRoutes } from './routes/portal.ts';
import { settingsRoutes } from './routes/settings.ts';
import { whisperRoutes } from './routes/whisper.ts';

export function createWorkerApp(options: WorkerOptions) {
  const ctx = createWorkerContext(options);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const internal = secretMatches(req.headers[INTERNAL_HEADER], options.internalSecret);
    const viaProxy = internal || secretMatches(req.headers[PROXY_HEADER], options.internalSecret);
    const forwardedIp = req.headers[CLIENT_IP_HEADER];
    req.fluxy = {
      internal,
      clientIp: viaProxy && typeof forwardedIp === 'string' ? forwardedIp : (req.socket.remoteAddress ?? 'unknown'),
      https: viaProxy && req.headers[PROTO_HEADER] === 'https',
    };
    // The first valid one: a bad extra cookie (tossed by a sibling bot) must not sign the owner out.
    const token = sessionCredentials(req.headers).find((c) => ctx.sessions.validate(c.token).valid)?.token;
    // With the secret, the supervisor may name the session it acts for (settings:save keeps that session alive).
    if (token) req.fluxy.token = token;
    if (internal || token || isOpenWorkerRoute(req.method, req.path)) return next();
    sendError(res, 401, 'unauthorized', 'Sign in first.');
  });

  // Registered before the global 1 MB parser: its own parser admits a voice note.
  app.use(whisperRoutes(ctx));
  app.use(express.json({ limit: '1mb' }));

  app.get('/api/health', (req, res) => {
    // Pids, ports and restart counts help an attacker time a crash: a session or the supervisor only.
    if (!req.fluxy.internal && !req.fluxy.token) return void res.json({ ok: true, version: options.version });
    res.json({ ok: true, version: options.version, uptimeMs: Date.now() - ctx.startedAt, children: ctx.children });
  });
  app.post('/api/internal/children', (req, res) => {
    if (!req.fluxy.internal) return sendError(res, 403, 'forbidden', 'Supervisor only.');
    ctx.children = parseBody(ChildrenReportSchema, req.body);
    res.json({ ok: true });
  });
  app.get('/api/internal/portal', (req, res) => {
    if (!req.fluxy.internal) return sendError(res, 403, 'forbidden', 'Supervisor only.');
    res.json({ passwordSet: Boolean(ctx.settings.get('portalPassword')) });
  });

  app.use(portalRoutes(ctx));
  app.use(settingsRoutes(ctx));
  app.use(conversationRoutes(ctx));
  app.use(handleRoutes(ctx));

  app.use((req, res) => sendError(res, 404, 'not_found', `No route ${req.method} ${req.path}.`));
  app.use(errorHandler(options.log));
  return { app, ctx };
}
