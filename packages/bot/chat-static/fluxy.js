// Helpers shared by Fluxy's static pages. Plain ES module, no build step.

/**
 * Calls Fluxy's API on this origin. Never throws: network failures come back as status 0 with
 * an `error` a person can read, so every page shows the same messages.
 */
export async function api(path, { method = 'GET', body } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    console.warn('fluxy: request failed', path, err);
    return { ok: false, status: 0, data: null, error: { code: 'network', message: "Can't reach Fluxy. Is your computer on and online?" } };
  }
  const data = await res.json().catch(() => null);
  const error = res.ok
    ? null
    : (data && typeof data.error === 'object' && data.error) || { code: `http_${res.status}`, message: `Fluxy answered with an error (${res.status}).` };
  const retry = Number(res.headers.get('retry-after'));
  return { ok: res.ok, status: res.status, data, error, retryAfter: Number.isFinite(retry) && retry > 0 ? Math.ceil(retry) : null };
}

/**
 * Where to go after signing in: only a path on this origin. "//evil.example", "/\evil.example"
 * and tricks with tabs or newlines (which browsers strip) would otherwise leave the site.
 */
export function safeNext(raw, fallback = '/') {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback;
  let url;
  try {
    url = new URL(raw, location.origin);
  } catch (err) {
    console.warn('fluxy: bad next', err);
    return fallback;
  }
  if (url.origin !== location.origin || url.pathname.startsWith('/fluxy/login')) return fallback;
  return url.pathname + url.search + url.hash;
}

/** True when this page runs inside the dashboard (widget panel or onboarding overlay). */
export const framed = window.parent !== window;

/** Tells the page that framed us; same origin only. */
export function tellParent(type, extra = {}) {
  if (framed) window.parent.postMessage({ type, ...extra }, location.origin);
}

export function loginUrl(next) {
  return `/fluxy/login?next=${encodeURIComponent(next)}`;
}

/** Show/hide a password field's text. */
export function wirePasswordToggles(root = document) {
  for (const button of root.querySelectorAll('[data-toggle-password]')) {
    const input = button.parentElement.querySelector('input');
    button.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.textContent = show ? 'Hide' : 'Show';
      button.setAttribute('aria-pressed', String(show));
    });
  }
}
