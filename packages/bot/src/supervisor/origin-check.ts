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
 * Whether the browser says the request comes from this origin. `Origin` when it names one (every
 * browser sends it on cross-origin POSTs, forms and no-cors fetches included); else
 * `Sec-Fetch-Site` must be `same-origin`. `Origin: null` is what Chromium sends on a form POST from
 * a page whose Referrer-Policy is `no-referrer` (the chat's pages, an app page that says so), and from
 * a sandboxed frame or after a cross-origin redirect; only the first has `Sec-Fetch-Site:
 * same-origin` (an opaque origin or a redirect through another host makes it `same-site` or
 * `cross-site`), so `null` defers to that header and is refused without it. A request with
 * neither header is not from a browser that could be tricked into sending it (curl, a script):
 * allowed.
 */
export function fromOwnOrigin(headers: IncomingHttpHeaders, trustForwarded: boolean): boolean {
  const origin = first(headers.origin);
  const site = first(headers['sec-fetch-site']);
  if (origin === 'null') return site === 'same-origin';
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
  return site === undefined || site === 'same-origin';
}

/** True when this request must be refused as cross-origin: it changes state, rides on the cookie, and does not come from the bot's own page. */
export function isCrossOriginWrite(method: string | undefined, via: 'cookie' | 'bearer', headers: IncomingHttpHeaders, trustForwarded: boolean): boolean {
  if (via !== 'cookie' || SAFE_METHODS.has((method ?? 'GET').toUpperCase())) return false;
  return !fromOwnOrigin(headers, trustForwarded);
}
