import type { IncomingHttpHeaders } from 'node:http';

/**
 * Cross-site request forgery between bots. Every `NAME.my.D` is one "site" to a browser, so
 * `SameSite=Lax` lets a hostile bot's page send a form POST (or a no-cors fetch) to Alice's bot
 * with Alice's cookie. A request that changes state and is authenticated by the cookie must
 * therefore come from the bot's own origin. Pure: the handler asks, this answers.
 */

/** Methods a browser sends cross-site on its own (links, images); they must not change state here. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(',')[0]?.trim() || undefined;
}

/**
 * The origin the visitor's browser is on, as the supervisor sees it: `http://` + Host, or on the
 * tunnel ingress (`trustForwarded`) the forwarded scheme and host, since the tunnel rewrites Host.
 */
export function requestOrigin(headers: IncomingHttpHeaders, trustForwarded: boolean): string | undefined {
  const host = (trustForwarded && first(headers['x-forwarded-host'])) || headers.host;
  const proto = trustForwarded && first(headers['x-forwarded-proto']) === 'https' ? 'https' : 'http';
  if (!host) return undefined;
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether the browser says the request comes from this origin. `Origin` when present (every
 * browser sends it on cross-origin POSTs, forms and no-cors fetches included; `null` from a
 * sandboxed frame is refused); else `Sec-Fetch-Site` must be `same-origin`. A request with
 * neither header is not from a browser that could be tricked into sending it (curl, a script):
 * allowed.
 */
export function fromOwnOrigin(headers: IncomingHttpHeaders, trustForwarded: boolean): boolean {
  const origin = first(headers.origin);
  if (origin !== undefined) {
    const own = requestOrigin(headers, trustForwarded);
    let given: string;
    try {
      given = new URL(origin).origin;
    } catch {
      return false;
    }
    return own !== undefined && given !== 'null' && given === own;
  }
  const site = first(headers['sec-fetch-site']);
  return site === undefined || site === 'same-origin';
}

/** True when this request must be refused as cross-origin: it changes state, rides on the cookie, and does not come from the bot's own page. */
export function isCrossOriginWrite(method: string | undefined, via: 'cookie' | 'bearer', headers: IncomingHttpHeaders, trustForwarded: boolean): boolean {
  if (via !== 'cookie' || SAFE_METHODS.has((method ?? 'GET').toUpperCase())) return false;
  return !fromOwnOrigin(headers, trustForwarded);
}
