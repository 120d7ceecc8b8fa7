import type { IncomingHttpHeaders } from 'node:http';

/** The session cookie over plain http (loopback, a LAN). */
export const SESSION_COOKIE = 'fluxy_session';
/**
 * The session cookie over https. A `__Host-` cookie must be `Secure`, `Path=/` and carry no
 * `Domain`, so a sibling bot under the same parent domain can neither set nor shadow it.
 */
export const SECURE_SESSION_COOKIE = '__Host-fluxy_session';
/** Every name a session cookie may have: all are stripped before the app and Vite. */
export const SESSION_COOKIES = [SECURE_SESSION_COOKIE, SESSION_COOKIE] as const;
/** A browser that signed in before (worker/device-cookie.ts); same naming rule as the session's. */
export const DEVICE_COOKIES = ['__Host-fluxy_device', 'fluxy_device'] as const;
/** Fluxy's own cookies: the owner's app and Vite never see them. */
export const FLUXY_COOKIES: readonly string[] = [...SESSION_COOKIES, ...DEVICE_COOKIES];

/** Set by the supervisor on its own calls to the worker; stripped from every incoming request. */
export const INTERNAL_HEADER = 'x-fluxy-internal';
/** Set by the supervisor on proxied requests: lets the worker trust the two headers below. */
export const PROXY_HEADER = 'x-fluxy-proxy';
export const CLIENT_IP_HEADER = 'x-fluxy-client-ip';
export const PROTO_HEADER = 'x-fluxy-proto';
/** `fluxy status` proves it can read the pid file (mode 0600) with this; it buys the detailed /api/health. */
export const STATUS_HEADER = 'x-fluxy-status';
export const INTERNAL_HEADERS = [INTERNAL_HEADER, PROXY_HEADER, CLIENT_IP_HEADER, PROTO_HEADER, STATUS_HEADER] as const;

/**
 * A request names at most this many session candidates. Cookies tossed from a parent domain can
 * push ours back in the Cookie header; the cap keeps one request from costing many checks.
 */
const MAX_CANDIDATES = 8;

/** The session cookie's name for a visitor who came over https or not. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

export function deviceCookieName(secure: boolean): string {
  return DEVICE_COOKIES[secure ? 0 : 1];
}

function decodeCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // not percent-encoded: our tokens are base64url, so take it as it is
  }
}

/** Every value of the cookies called `name`, in header order (several cookies may share a name). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      const value = decodeCookie(part.slice(eq + 1).trim());
      if (value) out.push(value);
    }
  }
  return out;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  return cookieValues(header, name)[0];
}

/** The cookie header without the cookies named; undefined when nothing is left. */
export function withoutCookies(header: string | undefined, names: readonly string[]): string | undefined {
  if (!header) return undefined;
  const kept = header
    .split(';')
    .filter((part) => !names.includes(part.split('=')[0]!.trim()))
    .join(';')
    .trim();
  return kept || undefined;
}

export interface SessionCredential {
  token: string;
  via: 'cookie' | 'bearer';
}

/**
 * Every session token a request carries, in the order to try them: `Authorization: Bearer`, then
 * the `__Host-` cookie, then each `fluxy_session` value. Never the query string. A caller takes
 * the first one that is valid, so a bad extra cookie (say, `fluxy_session=EVIL` tossed by a
 * sibling bot) cannot sign the owner out.
 */
export function sessionCredentials(headers: IncomingHttpHeaders): SessionCredential[] {
  const out: SessionCredential[] = [];
  const auth = headers.authorization;
  const bearer = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : '';
  if (bearer) out.push({ token: bearer, via: 'bearer' });
  for (const name of SESSION_COOKIES) {
    for (const token of cookieValues(headers.cookie, name)) {
      if (!out.some((c) => c.token === token)) out.push({ token, via: 'cookie' });
    }
  }
  return out.slice(0, MAX_CANDIDATES);
}
