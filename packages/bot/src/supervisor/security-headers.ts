import type { ServerResponse } from 'node:http';

/**
 * Sent on every response that passes the supervisor. Framing: only the bot's own origin may
 * frame its pages (the dashboard frames the chat at /fluxy/); anyone else could overlay the
 * login or chat page and trick clicks out of the owner. A proxied response that sets one of
 * these itself (the owner's backend, say) keeps its own value: http-proxy replaces ours.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'SAMEORIGIN',
  'Content-Security-Policy': "frame-ancestors 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const ENTRIES = Object.entries(SECURITY_HEADERS);

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of ENTRIES) res.setHeader(name, value);
}
