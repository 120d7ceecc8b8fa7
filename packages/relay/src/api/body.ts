import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { ApiFailure } from './respond.ts';

const BODY_DEADLINE_MS = 10_000;

/**
 * Reads and parses a JSON body of the relay's own API, capped at `limit` bytes. Only `/api`
 * routes call this, after the Host router has sent bot traffic elsewhere: a bot's request body
 * is never read here (the spec's "critical constraint").
 */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S, limit: number): Promise<z.infer<S>> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new ApiFailure(413, 'body_too_large', `The body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  // The server has no request timeout (bot uploads may take long); an API body of a few KiB that
  // trickles in for longer than this is an attempt to hold connections open.
  const deadline = setTimeout(() => req.destroy(new ApiFailure(408, 'request_timeout', 'The body took too long.')), BODY_DEADLINE_MS);
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new ApiFailure(413, 'body_too_large', `The body is larger than ${limit} bytes.`);
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(deadline);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  let value: unknown = {};
  if (text) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiFailure(400, 'bad_json', 'The body is not valid JSON.');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new ApiFailure(400, 'bad_request', `${where}${issue?.message ?? 'invalid body'}`);
  }
  return parsed.data;
}
