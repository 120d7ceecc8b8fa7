import type { IncomingHttpHeaders } from 'node:http';

export const SESSION_COOKIE = 'fluxy_session';
/** Set by the supervisor on its own calls to the worker; stripped from every incoming request. */
export const INTERNAL_HEADER = 'x-fluxy-internal';
/** Set by the supervisor on proxied requests: lets the worker trust the two headers below. */
export const PROXY_HEADER = 'x-fluxy-proxy';
export const CLIENT_IP_HEADER = 'x-fluxy-client-ip';
export const PROTO_HEADER = 'x-fluxy-proto';
export const INTERNAL_HEADERS = [INTERNAL_HEADER, PROXY_HEADER, CLIENT_IP_HEADER, PROTO_HEADER] as const;

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value; // not percent-encoded: our tokens are base64url, so take it as it is
      }
    }
  }
  return undefined;
}

/** The session token of a request and where it came from: the `fluxy_session` cookie, else `Authorization: Bearer`. Never the query string. */
export function sessionCredential(headers: IncomingHttpHeaders): { token: string; via: 'cookie' | 'bearer' } | undefined {
  const fromCookie = cookieValue(headers.cookie, SESSION_COOKIE);
  if (fromCookie) return { token: fromCookie, via: 'cookie' };
  const auth = headers.authorization;
  const bearer = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : '';
  return bearer ? { token: bearer, via: 'bearer' } : undefined;
}

export function sessionToken(headers: IncomingHttpHeaders): string | undefined {
  return sessionCredential(headers)?.token;
}
