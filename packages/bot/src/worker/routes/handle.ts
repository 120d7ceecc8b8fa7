import { HandleChangeBodySchema, HandleCheckQuerySchema, HandleRegisterBodySchema } from '@fluxy/protocol';
import { type Request, type Response, Router } from 'express';
import { FluxyError } from '../../shared/errors.ts';
import { claimHandle, handleInfo, releaseHandle, renameHandle } from '../../shared/handle-registration.ts';
import { createRelayClient, RelayError } from '../../shared/relay-client.ts';
import type { WorkerContext } from '../context.ts';
import { parseBody, sendError } from '../http.ts';

/**
 * `/api/handle/*`: the wizard's Handle step. The worker talks to the relay with the token kept in
 * config.json; the browser never sees it. Schemas: `packages/protocol/src/worker-api.ts`.
 */
export function handleRoutes(ctx: WorkerContext): Router {
  const r = Router();
  const config = ctx.paths.config;

  /** A relay refusal keeps the relay's status and code; its 401 (our token) must not read as "your session expired". */
  const relayCall = (fn: (req: Request) => Promise<unknown>) => async (req: Request, res: Response) => {
    try {
      res.json(await fn(req));
    } catch (err) {
      if (!(err instanceof RelayError)) throw err;
      if (err.retryAfterMs) res.setHeader('Retry-After', String(Math.ceil(err.retryAfterMs / 1000)));
      if (err.status === 401) return sendError(res, 409, 'relay_token_invalid', 'The relay does not know this bot\'s token any more; register a handle again.');
      sendError(res, err.status, err.code, err.message);
    }
  };

  /** Nothing is registered before the portal password exists: the public address would lead to an open setup. */
  const requirePassword = () => {
    if (!ctx.settings.get('portalPassword')) throw new FluxyError('password_required', 'Set the portal password first; then pick a handle.', 409);
  };

  r.get('/api/handle', (_req, res) => {
    res.json(handleInfo(config));
  });

  r.get(
    '/api/handle/check',
    relayCall(async (req) => {
      const q = parseBody(HandleCheckQuerySchema, req.query);
      const info = handleInfo(config);
      return createRelayClient(info.relayUrl).availability(q.name.trim().toLowerCase(), q.tier);
    }),
  );

  r.post(
    '/api/handle/register',
    relayCall(async (req) => {
      const body = parseBody(HandleRegisterBodySchema, req.body);
      requirePassword();
      const info = await claimHandle(config, body.username, body.tier);
      ctx.log.info('handle registered', { handle: info.handle });
      return info;
    }),
  );

  r.post(
    '/api/handle/change',
    relayCall(async (req) => {
      const body = parseBody(HandleChangeBodySchema, req.body);
      requirePassword();
      return renameHandle(config, body.username);
    }),
  );

  r.post(
    '/api/handle/release',
    relayCall(async () => releaseHandle(config)),
  );

  return r;
}
