import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { FluxyError } from '../shared/errors.ts';

export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** Validates a request body; a failure becomes a 400 with the first problem named. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new FluxyError('bad_request', `${where}${issue?.message ?? 'invalid body'}`, 400);
  }
  return parsed.data;
}

/** Express error handler: body-parser failures and FluxyErrors in the contract's JSON shape. */
export function errorHandler(log: { error(msg: string, f?: Record<string, unknown>): void }) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    const e = err as { type?: string; status?: number; message?: string };
    if (err instanceof FluxyError) return sendError(res, err.status, err.code, err.message);
    if (e.type === 'entity.too.large') return sendError(res, 413, 'body_too_large', 'Request body is too large.');
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'bad_json', 'Request body is not valid JSON.');
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
      return sendError(res, 415, 'unsupported_encoding', 'Unsupported body encoding.');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
      return sendError(res, e.status, 'bad_request', e.message ?? 'Bad request.');
    log.error('unhandled error', { error: e.message });
    sendError(res, 500, 'internal_error', 'Something went wrong in the worker.');
  };
}
