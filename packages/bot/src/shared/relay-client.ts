import {
  ApiErrorSchema,
  HandleAvailabilitySchema,
  HandleReleaseResponseSchema,
  RegisterResponseSchema,
  RelayHandleStatusSchema,
  type RelayTier,
} from '@fluxy/protocol';
import type { z } from 'zod';
import { FluxyError } from './errors.ts';

/** Where the wizard registers a handle when config.json names no relay (the spec's relay). */
export const DEFAULT_RELAY_URL = 'https://api.fluxy.bot';

/** One relay call; a relay that hangs must not hold a heartbeat or the wizard for long. */
const RELAY_CALL_TIMEOUT_MS = 10_000;

/** A refusal or failure of the relay: `code` is the relay's own (`handle_taken`, …) or `relay_unreachable`. */
export class RelayError extends FluxyError {
  /** From a 429's Retry-After: the relay asks us to wait this long. */
  readonly retryAfterMs: number | undefined;
  constructor(code: string, message: string, status: number, retryAfterMs?: number) {
    super(code, message, status);
    this.retryAfterMs = retryAfterMs;
  }
}

/** A URL the relay may be reached at: http(s) only, no credentials, no path beyond `/`. */
export function checkRelayUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return undefined;
  return url.origin;
}

/**
 * The relay's API (spec `shared/relay.ts`), used by the supervisor (tunnel URL, heartbeats,
 * disconnect), the worker's `/api/handle/*` and `fluxy setup --handle`. Every answer is checked
 * against its schema in `@fluxy/protocol`; the token goes only in the Authorization header.
 */
export function createRelayClient(baseUrl: string, fetchImpl: typeof fetch = fetch) {
  const base = baseUrl.replace(/\/+$/, '');
  async function call<S extends z.ZodType>(method: string, path: string, reply: S, options: { body?: unknown; token?: string } = {}): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let res: Response;
    let text: string;
    try {
      res = await fetchImpl(base + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(RELAY_CALL_TIMEOUT_MS),
        redirect: 'error',
      });
      text = await res.text();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new RelayError('relay_unreachable', `The relay at ${base} cannot be reached (${cause}).`, 502);
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
    }
    if (!res.ok) {
      const retry = Number(res.headers.get('retry-after'));
      const retryAfterMs = res.status === 429 && Number.isFinite(retry) && retry > 0 ? retry * 1000 : undefined;
      const error = ApiErrorSchema.safeParse(json);
      if (error.success) throw new RelayError(error.data.error.code, error.data.error.message, res.status, retryAfterMs);
      throw new RelayError('relay_error', `The relay answered ${res.status}.`, res.status >= 500 ? 502 : res.status, retryAfterMs);
    }
    const parsed = reply.safeParse(json);
    if (!parsed.success) throw new RelayError('relay_bad_reply', `The relay's answer to ${method} ${path.split('?')[0]} is not what its API promises.`, 502);
    return parsed.data;
  }
  const enc = encodeURIComponent;

  return {
    url: base,
    availability: (name: string, tier: RelayTier, token?: string) =>
      call('GET', `/api/handles/${enc(name)}?tier=${tier}`, HandleAvailabilitySchema, { token }),
    /** `token`: the bot's old one, which may reclaim a name it released (the relay holds it for that token). */
    register: (username: string, tier: RelayTier, token?: string) =>
      call('POST', '/api/register', RegisterResponseSchema, { body: { username, tier }, token }),
    updateTunnel: (token: string, tunnelUrl: string) => call('PUT', '/api/tunnel', RelayHandleStatusSchema, { body: { tunnelUrl }, token }),
    heartbeat: (token: string, tunnelUrl?: string) => call('POST', '/api/heartbeat', RelayHandleStatusSchema, { body: tunnelUrl ? { tunnelUrl } : {}, token }),
    disconnect: (token: string) => call('POST', '/api/disconnect', RelayHandleStatusSchema, { body: {}, token }),
    change: (token: string, username: string) => call('POST', '/api/handle/change', RelayHandleStatusSchema, { body: { username }, token }),
    release: (token: string) => call('DELETE', '/api/handle', HandleReleaseResponseSchema, { token }),
  };
}
export type RelayClient = ReturnType<typeof createRelayClient>;
