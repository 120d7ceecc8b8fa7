// Turning provider failures into the stable codes and readable messages of the seam. Shared by
// every provider so the same failure reads the same whatever the model behind it.
import type { AgentErrorCode } from './types.ts';

/** A local error with a stable code, as STYLE.md asks for errors that cross a boundary. */
export class AgentError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

export function codeForStatus(status: number): AgentErrorCode {
  if (status === 401 || status === 403) return 'auth_failed';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'provider_error';
  if (status >= 400) return 'bad_request';
  return 'provider_error';
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * Network failures arrive as fetch's TypeError('fetch failed') with the system error in `cause`
 * (undici), or as SDK connection errors wrapping that; walk the cause chain for the errno code.
 */
export function codeForNetworkError(err: unknown): AgentErrorCode | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNREACHABLE.has(code)) return 'provider_unavailable';
      if (DROPPED.has(code)) return 'stream_interrupted';
    }
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /terminated|other side closed|premature close/i.test(message)) return 'stream_interrupted';
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const SUMMARY: Record<AgentErrorCode, (provider: string) => string> = {
  auth_failed: (p) => `${p} rejected the API key. Check the key in Settings.`,
  rate_limited: (p) => `${p} is rate-limiting requests. Wait a minute, then try again.`,
  provider_unavailable: (p) => `Could not reach ${p}. Check that it is running and that the address in Settings is right.`,
  provider_error: (p) => `${p} had an internal error. Try again in a moment.`,
  stream_interrupted: (p) => `The connection to ${p} was lost in the middle of the reply; the answer is incomplete.`,
  bad_request: (p) => `${p} refused the request as invalid.`,
  not_configured: (p) => `${p} is not configured. Add the API key and model in Settings.`,
};

/** A readable message: our summary of the code, then the provider's own words, trimmed. */
export function describeFailure(code: AgentErrorCode, provider: string, detail?: string): string {
  const summary = SUMMARY[code](provider);
  const clean = detail ? redactSecrets(detail).replace(/\s+/g, ' ').trim().slice(0, 300) : '';
  return clean ? `${summary} (${clean})` : summary;
}

/** Provider error bodies sometimes echo the key they refused; never pass one on. */
export function redactSecrets(text: string): string {
  return text.replace(/\b(sk|key|rk)-[A-Za-z0-9_-]{8,}/g, '$1-…');
}
