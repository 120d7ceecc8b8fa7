import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, FluxyError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Route } from '../routes.ts';
import type { CheckpointService } from './service.ts';

type CheckpointRoute = Extract<Route, { kind: 'checkpoints' }>;

function send(res: ServerResponse, status: number, body: string, type = 'application/json', extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}

/**
 * `GET /api/checkpoints[?limit=N]` (newest first), `POST /api/checkpoints/:id/restore`,
 * `GET /api/checkpoints/:id/diff` (text/plain). The supervisor's router has already checked the
 * session and, for the POST, that a cookie came from the bot's own origin.
 */
export function createCheckpointRoutes(service: CheckpointService, log: Logger) {
  return async (req: IncomingMessage, res: ServerResponse, route: CheckpointRoute): Promise<void> => {
    // Nothing here reads a body; let a sent one drain so the connection stays usable.
    req.resume();
    const method = req.method ?? 'GET';
    const wanted = route.action === 'restore' ? 'POST' : 'GET';
    if (route.action === 'unknown') return send(res, 404, errorBody('not_found', 'No such checkpoint route.'));
    if (method !== wanted && !(wanted === 'GET' && method === 'HEAD')) {
      return send(res, 405, errorBody('method_not_allowed', `Use ${wanted} here.`), 'application/json', { Allow: wanted });
    }
    try {
      if (route.action === 'list') {
        const limit = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('limit') ?? 200);
        const list = await service.list(Number.isFinite(limit) ? limit : 200);
        return send(res, 200, JSON.stringify(list));
      }
      if (route.action === 'diff') return send(res, 200, await service.diff(route.id!), 'text/plain; charset=utf-8');
      const done = await service.restore(route.id!);
      return send(res, 200, JSON.stringify({ ok: true, ...done }));
    } catch (err) {
      // Ours to tell (no such checkpoint, the agent is busy, git is not installed); anything else is logged.
      if (err instanceof FluxyError && (err.status < 500 || err.code === 'checkpoint_git_missing')) return send(res, err.status, errorBody(err.code, err.message));
      log.error('checkpoint request failed', { url: req.url, error: err });
      return send(res, 500, errorBody('restore_failed', 'The checkpoint operation failed; see the supervisor log.'));
    }
  };
}
