import { timingSafeEqual } from 'node:crypto';
import { ChildrenReportSchema } from '@fluxy/protocol';
import express, { type NextFunction, type Request, type Response } from 'express';
import { isOpenWorkerRoute } from '../shared/open-routes.ts';
import { CLIENT_IP_HEADER, INTERNAL_HEADER, PROTO_HEADER, PROXY_HEADER, sessionToken } from '../shared/session-token.ts';
import { createWorkerContext, type WorkerOptions } from './context.ts';
import { errorHandler, parseBody, sendError } from './http.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { portalRoutes } from './routes/portal.ts';
import { settingsRoutes } from './routes/settings.ts';
import { whisperRoutes } from './routes/whisper.ts';

function secretMatches(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string' || given.length !== secret.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(secret));
}

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
    const token = sessionToken(req.headers);
    if (internal) {
      // The supervisor may name the session it acts for (settings:save keeps that session alive).
      if (token && ctx.sessions.validate(token).valid) req.fluxy.token = token;
      return next();
    }
    // Routes anyone may call; everything else needs a session or the supervisor's secret.
    if (isOpenWorkerRoute(req.method, req.path)) return next();
    if (token && ctx.sessions.validate(token).valid) {
      req.fluxy.token = token;
      return next();
    }
    sendError(res, 401, 'unauthorized', 'Sign in first.');
  });

  // Registered before the global 1 MB parser: its own parser admits a voice note.
  app.use(whisperRoutes(ctx));
  app.use(express.json({ limit: '1mb' }));

  app.get('/api/health', (_req, res) => {
    res.json({ ok: true, version: options.version, uptimeMs: Date.now() - ctx.startedAt, children: ctx.children });
  });
  app.post('/api/internal/children', (req, res) => {
    if (!req.fluxy.internal) return sendError(res, 403, 'forbidden', 'Supervisor only.');
    ctx.children = parseBody(ChildrenReportSchema, req.body);
    res.json({ ok: true });
  });

  app.use(portalRoutes(ctx));
  app.use(settingsRoutes(ctx));
  app.use(conversationRoutes(ctx));

  app.use((req, res) => sendError(res, 404, 'not_found', `No route ${req.method} ${req.path}.`));
  app.use(errorHandler(options.log));
  return { app, ctx };
}
