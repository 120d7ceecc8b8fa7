import { isOpenWorkerRoute } from '../shared/open-routes.ts';

/** The routing table of the contract, as a pure function of method and path. */
export type Route =
  | { kind: 'worker'; open: boolean }
  | { kind: 'backend'; url: string; open: boolean }
  | { kind: 'static'; file: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'chat-ws' }
  | { kind: 'vite' }
  /** Served by the supervisor itself: it owns the workspace, the history and the backend restart. */
  | { kind: 'checkpoints'; action: 'list' | 'restore' | 'diff' | 'unknown'; id?: string };

export type PathCheck = { ok: true; pathname: string; search: string } | { ok: false; message: string };

/**
 * Refuses what could make two parts of the system disagree about a path: dot segments (raw or
 * percent-encoded), backslashes, NULs, bad escapes, and absolute-form targets.
 */
export function checkPath(rawUrl: string | undefined): PathCheck {
  if (rawUrl?.[0] !== '/') return { ok: false, message: 'Request target must be a path.' };
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const search = q === -1 ? '' : rawUrl.slice(q);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, message: 'Path has a malformed percent-escape.' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, message: 'Path has a forbidden character.' };
  for (const segment of decoded.split('/')) {
    if (segment === '..' || segment === '.') return { ok: false, message: 'Path has a dot segment.' };
  }
  if (rawPath.startsWith('//')) return { ok: false, message: 'Path starts with two slashes.' };
  return { ok: true, pathname: rawPath, search };
}

function under(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

export function isPublicPath(path: string, publicPaths: readonly string[]): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  return publicPaths.some((p) => (p.endsWith('/') ? decoded.startsWith(p) : under(decoded, p)));
}

export function classify(method: string, pathname: string, search: string, publicPaths: readonly string[]): Route {
  if (under(pathname, '/app/api')) {
    const path = pathname.slice('/app/api'.length) || '/';
    return { kind: 'backend', url: path + search, open: isPublicPath(path, publicPaths) };
  }
  if (under(pathname, '/api/checkpoints')) return classifyCheckpoints(pathname);
  if (under(pathname, '/api')) {
    return { kind: 'worker', open: isOpenWorkerRoute(method, pathname) };
  }
  if (pathname === '/fluxy') return { kind: 'redirect', location: `/fluxy/${search}` };
  if (pathname === '/fluxy/ws') return { kind: 'chat-ws' };
  if (pathname.startsWith('/fluxy/')) return { kind: 'static', file: pathname.slice('/fluxy/'.length) };
  return { kind: 'vite' };
}

/** `/api/checkpoints`, `/api/checkpoints/:id/restore`, `/api/checkpoints/:id/diff`; the method is the handler's to check. */
function classifyCheckpoints(pathname: string): Route {
  const parts = pathname.split('/').slice(3);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) return { kind: 'checkpoints', action: 'list' };
  if (parts.length === 2 && parts[0] && (parts[1] === 'restore' || parts[1] === 'diff')) return { kind: 'checkpoints', action: parts[1], id: parts[0] };
  return { kind: 'checkpoints', action: 'unknown' };
}

/** A browser asking for a page gets the login screen; an API client gets a 401. `*\/*` alone is not a page. */
export function wantsHtml(accept: string | undefined): boolean {
  return !!accept && /(^|,|\s)text\/html/i.test(accept);
}
