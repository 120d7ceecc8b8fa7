import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkHandleName, handleHost } from '../handles.ts';
import type { HostRoute } from '../host-router.ts';
import type { ApiContext } from './context.ts';
import { checkAvailability, register } from './handle-routes.ts';
import { ApiFailure, sendError, sendJson } from './respond.ts';
import { changeHandle, disconnect, heartbeat, releaseHandle, updateTunnel } from './token-routes.ts';

type Handler = (ctx: ApiContext, req: IncomingMessage, res: ServerResponse) => Promise<void>;

const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  '/api/register': { POST: register },
  '/api/tunnel': { PUT: updateTunnel },
  '/api/heartbeat': { POST: heartbeat },
  '/api/disconnect': { POST: disconnect },
  '/api/handle/change': { POST: changeHandle },
  '/api/handle': { DELETE: releaseHandle },
};

/**
 * The relay's own routes, for every host that is not a bot's: `/api/*`, `/healthz`, and on the
 * apexes (`D`, `my.D`) the path shortcuts `/NAME/…`, answered with a redirect to the subdomain
 * so that no two users' apps ever share one origin.
 */
export function createRelayRouter(ctx: ApiContext) {
  async function dispatch(req: IncomingMessage, res: ServerResponse, route: HostRoute): Promise<void> {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);
    const method = req.method ?? 'GET';

    if (path === '/healthz') {
      let db = true;
      try {
        await ctx.store.ping();
      } catch (err) {
        db = false;
        ctx.logger.error('health check: database unreachable', { err: err as Error });
      }
      return sendJson(res, db ? 200 : 503, { ok: db, db });
    }

    if (path.startsWith('/api/')) {
      const handles = /^\/api\/handles\/([^/]+)$/.exec(path);
      if (handles) {
        if (method !== 'GET') throw new ApiFailure(405, 'method_not_allowed', 'Use GET.', { Allow: 'GET' });
        let name: string;
        try {
          name = decodeURIComponent(handles[1]!).toLowerCase();
        } catch {
          throw new ApiFailure(400, 'bad_request', 'The handle is not valid percent-encoding.');
        }
        return checkAvailability(ctx, req, res, name, new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)));
      }
      const methods = ROUTES[path];
      if (!methods) throw new ApiFailure(404, 'not_found', 'No such API route.');
      const handler = methods[method];
      if (!handler) {
        const allow = Object.keys(methods).join(', ');
        throw new ApiFailure(405, 'method_not_allowed', `Use ${allow}.`, { Allow: allow });
      }
      return handler(ctx, req, res);
    }

    if (route.kind === 'apex') {
      if (path === '/') return sendJson(res, 200, { service: 'fluxy-relay', ok: true });
      const m = /^\/([^/]+)(\/.*)?$/.exec(path);
      const name = m?.[1]?.toLowerCase();
      if (name && checkHandleName(name) === undefined) {
        const rest = (m?.[2] ?? '/') + (q === -1 ? '' : raw.slice(q));
        res.writeHead(302, { Location: `${ctx.scheme}://${handleHost(name, route.tier, ctx.domain)}${rest}`, 'Content-Length': 0 });
        return void res.end();
      }
    }
    throw new ApiFailure(404, 'not_found', 'Nothing here.');
  }

  return (req: IncomingMessage, res: ServerResponse, route: HostRoute): void => {
    dispatch(req, res, route).catch((err: unknown) => {
      if (res.headersSent) {
        ctx.logger.error('api error after headers were sent', { err: err as Error });
        return void res.destroy();
      }
      if (err instanceof ApiFailure) {
        // An unread oversized body: close the connection instead of reading megabytes to discard.
        const headers = err.status === 413 ? { ...err.headers, Connection: 'close' } : err.headers;
        return sendError(res, err.status, err.code, err.message, headers);
      }
      ctx.logger.error('api error', { path: req.url?.split('?')[0], err: err as Error });
      sendError(res, 500, 'internal_error', 'Something went wrong on the relay.');
    });
  };
}
