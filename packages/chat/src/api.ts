// Fluxy's HTTP API on this origin, and the bridge to the dashboard that frames this app.
import { type ChatToWidget, type PortalSession, type WidgetToChat, WidgetToChatSchema } from '@fluxy/protocol';

export type { OnboardStatus } from '@fluxy/protocol';

export interface ApiError {
  code: string;
  message: string;
}
export type ApiResult<T> =
  | { ok: true; status: number; data: T; error: null; retryAfter: null }
  | { ok: false; status: number; data: unknown; error: ApiError; retryAfter: number | null };

/**
 * Calls the API. Never throws: a network failure comes back as status 0 with an `error` a person
 * can read, so every screen shows the same messages.
 */
export async function api<T = unknown>(path: string, options: { method?: string; body?: unknown } = {}): Promise<ApiResult<T>> {
  const { method = 'GET', body } = options;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    console.warn('fluxy: request failed', path, err);
    return { ok: false, status: 0, data: null, error: { code: 'network', message: "Can't reach Fluxy. Is your computer on and online?" }, retryAfter: null };
  }
  const data: unknown = await res.json().catch(() => null);
  if (res.ok) return { ok: true, status: res.status, data: data as T, error: null, retryAfter: null };
  const raw = (data as { error?: unknown } | null)?.error;
  const error =
    raw && typeof raw === 'object' && typeof (raw as ApiError).message === 'string'
      ? (raw as ApiError)
      : { code: `http_${res.status}`, message: `Fluxy answered with an error (${res.status}).` };
  const retry = Number(res.headers.get('retry-after'));
  return { ok: false, status: res.status, data, error, retryAfter: Number.isFinite(retry) && retry > 0 ? Math.ceil(retry) : null };
}

/** Whether this browser is signed in and whether an account exists; answered without a 401. */
export function sessionInfo(): Promise<ApiResult<PortalSession>> {
  return api<PortalSession>('/api/portal/session');
}

/**
 * Where to go after signing in: only a path on this origin. "//evil.example", "/\evil.example"
 * and tricks with tabs or newlines (which browsers strip) would otherwise leave the site.
 */
export function safeNext(raw: string | null, fallback = '/'): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback;
  let url: URL;
  try {
    url = new URL(raw, location.origin);
  } catch (err) {
    console.warn('fluxy: bad next', err);
    return fallback;
  }
  if (url.origin !== location.origin || url.pathname.startsWith('/fluxy/login')) return fallback;
  return url.pathname + url.search + url.hash;
}

export function loginUrl(next: string): string {
  return `/fluxy/login?next=${encodeURIComponent(next)}`;
}

/** True when this page runs inside the dashboard (the widget's panel or the onboarding overlay). */
export const framed = window.parent !== window;

/** Tells the page that framed us; same origin only, so nothing leaks to a foreign parent. */
export function tellParent(message: ChatToWidget): void {
  if (framed) window.parent.postMessage(message, location.origin);
}

// Messages from the widget that frames us: our origin and our parent only, and well-formed. The
// listener starts with the page, before any screen is ready, because the widget posts the draft
// as soon as the frame has loaded; what arrives early waits for the first subscriber.
const early: WidgetToChat[] = [];
const subscribers = new Set<(message: WidgetToChat) => void>();
if (framed) {
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.origin !== location.origin || event.source !== window.parent) return;
    const parsed = WidgetToChatSchema.safeParse(event.data);
    if (!parsed.success) return;
    if (subscribers.size === 0) early.push(parsed.data);
    for (const s of subscribers) s(parsed.data);
  });
}

export function onParentMessage(handler: (message: WidgetToChat) => void): () => void {
  subscribers.add(handler);
  for (const message of early.splice(0)) handler(message);
  return () => subscribers.delete(handler);
}
