import type { ServerResponse } from 'node:http';

/**
 * Sent on every response that passes the supervisor. Framing: only the bot's own origin may
 * frame its pages (the dashboard frames the chat at /fluxy/); anyone else could overlay the
 * login or chat page and trick clicks out of the owner. A proxied response that sets one of
 * these itself (the owner's backend, say) keeps its own value: http-proxy replaces ours.
 * Referrers stay on this origin (`same-origin`), never reach another site. Not `no-referrer`:
 * under it Chromium sends `Origin: null` on a form POST even to the page's own origin, and over
 * http (a relay or LAN address, where no `Sec-Fetch-Site` is sent) the owner's own forms were then
 * indistinguishable from a sibling bot's and refused as cross-origin (origin-check.ts).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'SAMEORIGIN',
  'Content-Security-Policy': "frame-ancestors 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

const ENTRIES = Object.entries(SECURITY_HEADERS);

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of ENTRIES) res.setHeader(name, value);
}
