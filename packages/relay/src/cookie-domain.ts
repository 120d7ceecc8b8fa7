import type { ResponseHeaders } from '@fluxy/http-forward';

/**
 * Every bot's subdomain shares the relay's parent domains, so a bot that sets a cookie with
 * `Domain=my.D` (or `Domain=D`) plants it in every other bot's requests (cookie tossing: a hostile
 * bot signs its visitors out of their own bots, or fixes a session). A bot may only set cookies for
 * its own host: a `Domain` attribute naming anything else is removed, which leaves a host-only
 * cookie (the bot keeps working; the cookie reaches no other bot).
 */
export function confineCookieDomains(headers: ResponseHeaders, host: string | undefined): void {
  const cookies = headers['set-cookie'];
  if (cookies === undefined) return;
  const own = ownHost(host);
  const list = Array.isArray(cookies) ? cookies : [cookies];
  headers['set-cookie'] = list.map((cookie) => confine(cookie, own));
}

/** The request's host name, lower case, without a port or a final dot. */
function ownHost(host: string | undefined): string {
  let h = (host ?? '').toLowerCase();
  const colon = h.lastIndexOf(':');
  if (colon !== -1 && !h.endsWith(']')) h = h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function confine(cookie: string, own: string): string {
  if (!/;\s*domain\s*=/i.test(cookie)) return cookie;
  const parts = cookie.split(';');
  const kept = [parts[0]!];
  for (let i = 1; i < parts.length; i++) {
    const attr = parts[i]!;
    const eq = attr.indexOf('=');
    if (eq !== -1 && attr.slice(0, eq).trim().toLowerCase() === 'domain') {
      // Browsers ignore one leading dot; a final dot is a different name to them, so it is refused too.
      const domain = attr.slice(eq + 1).trim().toLowerCase().replace(/^\./, '');
      if (domain !== own) continue;
    }
    kept.push(attr);
  }
  return kept.join(';');
}
