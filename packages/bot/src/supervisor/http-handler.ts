import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { VISITOR_HEADER, verifyVisitor } from '@fluxy/http-forward/visitor';
import { errorBody, FluxyError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import {
  CLIENT_IP_HEADER,
  FLUXY_COOKIES,
  INTERNAL_HEADERS,
  PROTO_HEADER,
  PROXY_HEADER,
  STATUS_HEADER,
  sessionCredentials,
  withoutCookies,
} from '../shared/session-token.ts';
import type { AuthGate } from './auth-gate.ts';
import type { ChatHub } from './chat-socket.ts';
import type { ManagedChild } from './child.ts';
import type { Children } from './children.ts';
import { compressResponse } from './compress.ts';
import { fromOwnOrigin, isCrossOriginWrite } from './origin-check.ts';
import { type ChildProxy, type Part, sendUnavailable } from './proxy.ts';
import { checkPath, classify, type Route, wantsHtml } from './routes.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { watchSettingsChanged } from './settings-changed.ts';
import { WORKER_BAD_REPLY } from './worker-client.ts';

/** How long a request waits for a child that is starting or restarting before it gets a 502. */
const CHILD_WAIT_MS = 15_000;

export interface HandlerDeps {
  children: Children;
  gate: AuthGate;
  chat: ChatHub;
  proxy: ChildProxy;
  serveStatic(req: IncomingMessage, res: ServerResponse, file: string): void;
  publicPaths(): readonly string[];
  /**
   * The supervisor's own /api/health body: when the worker is down, or for `fluxy status`.
   * Children's pids, ports and restarts only when `detailed` (never to a stranger).
   */
  health(detailed: boolean): { ok: boolean };
  /** Whether an `x-fluxy-status` header carries the key of this run's pid file (mode 0600). */
  statusKeyMatches(given: string | string[] | undefined): boolean;
  /** The worker said a request changed the provider settings (see settings-changed.ts). */
  onSettingsWrite(): void;
  internalSecret: string;
  /** The key of the relay's signed visitor header (SHA-256 of the relay token), when this bot has a handle. */
  visitorKey(): string | undefined;
  log: Logger;
  /** `/api/checkpoints…`, for a signed-in request that passed the origin check (see checkpoints/http.ts). */
  checkpoints?(req: IncomingMessage, res: ServerResponse, route: Extract<Route, { kind: 'checkpoints' }>): Promise<void>;
}

export interface ListenerOptions {
  /**
   * True only for the listener our own tunnel process connects to: there, X-Forwarded-For /
   * Cf-Connecting-IP name the real client. Everywhere else they are whatever the caller says.
   */
  trustForwarded: boolean;
}

function sendJson(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  const body = errorBody(code, message);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** A Host that is a name or an address with an optional port; anything else is a broken or hostile request. */
const VALID_HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
const hostValid = (host: string | undefined) => host !== undefined && host.length <= 255 && VALID_HOST.test(host);

function rejectUpgrade(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = errorBody(code, message);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The visitor's address. Only on the tunnel ingress (N+3) is a header believed: first the relay's
 * signed visitor header (past Cloudflare the relay is the client of every visitor), then
 * Cf-Connecting-IP (set by Cloudflare's edge), then the last X-Forwarded-For entry (the one the
 * proxy next to us wrote, for the user's own reverse proxy). Everywhere else: the socket.
 */
function clientAddress(req: IncomingMessage, trustForwarded: boolean, visitorKey: string | undefined): string {
  if (trustForwarded) {
    const signed = visitorKey ? verifyVisitor(visitorKey, req.headers[VISITOR_HEADER]) : undefined;
    if (signed) return signed;
    const cf = req.headers['cf-connecting-ip'];
    if (typeof cf === 'string' && cf) return cf.trim();
    const xff = req.headers['x-forwarded-for'];
    if (typeof xff === 'string' && xff.trim()) return xff.slice(xff.lastIndexOf(',') + 1).trim();
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** A worker that answered, but not in its API's shape (see worker-client.ts): a 502, not "unavailable". */
const isBadReply = (err: unknown): err is FluxyError => err instanceof FluxyError && err.code === WORKER_BAD_REPLY;


export function createRequestHandler(deps: HandlerDeps, listener: ListenerOptions) {
  const { children, gate, log } = deps;
  const childFor: Record<Part, ManagedChild> = { worker: children.worker, backend: children.backend, vite: children.vite };

  /** The first valid session the request carries (a bad extra cookie must not sign the owner out). */
  const authenticated = async (req: IncomingMessage): Promise<{ ok: boolean; token?: string; via?: 'cookie' | 'bearer'; error?: unknown }> => {
    let error: unknown;
    for (const { token, via } of sessionCredentials(req.headers)) {
      try {
        if (await gate.check(token)) return { ok: true, token, via };
      } catch (err) {
        error = err;
      }
    }
    return { ok: false, error };
  };

  const prepare = (req: IncomingMessage, part: Part, authorizedByBearer = false) => {
    const ip = clientAddress(req, listener.trustForwarded, listener.trustForwarded ? deps.visitorKey() : undefined);
    const proto = listener.trustForwarded && req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    for (const h of INTERNAL_HEADERS) delete req.headers[h];
    delete req.headers[VISITOR_HEADER];
    if (part !== 'worker') {
      // The owner's session is Fluxy's, not the app's: code the agent wrote must never see (or log) it.
      if (authorizedByBearer) delete req.headers.authorization;
      const cookie = withoutCookies(req.headers.cookie, FLUXY_COOKIES);
      if (cookie) req.headers.cookie = cookie;
      else delete req.headers.cookie;
      // Only our own X-Forwarded-* reach the app; whatever else claims a client address is the caller's say-so.
      for (const h of ['forwarded', 'x-real-ip', 'cf-connecting-ip', 'true-client-ip']) delete req.headers[h];
    }
    if (part === 'worker') {
      req.headers[PROXY_HEADER] = deps.internalSecret;
      req.headers[CLIENT_IP_HEADER] = ip;
      req.headers[PROTO_HEADER] = proto;
    } else {
      req.headers['x-forwarded-for'] = ip;
      req.headers['x-forwarded-proto'] = proto;
      // On the tunnel ingress the visitor's host is the forwarded one (the tunnel rewrites Host).
      const forwardedHost = listener.trustForwarded ? req.headers['x-forwarded-host'] : undefined;
      const host = typeof forwardedHost === 'string' && forwardedHost ? forwardedHost : req.headers.host;
      if (host) req.headers['x-forwarded-host'] = host;
      else delete req.headers['x-forwarded-host'];
    }
  };

  const toChild = async (req: IncomingMessage, res: ServerResponse, part: Part, authorizedByBearer = false) => {
    const child = childFor[part];
    if (child.state !== 'running' && !(await child.whenReady(CHILD_WAIT_MS))) {
      if (part === 'worker' && req.url === '/api/health') {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify(deps.health(false)));
        return;
      }
      sendUnavailable(req, res, part, child);
      return;
    }
    prepare(req, part, authorizedByBearer);
    if (part === 'worker') watchSettingsChanged(res, deps.onSettingsWrite);
    deps.proxy.web(req, res, part, child);
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    if (!hostValid(req.headers.host)) return sendJson(res, 400, 'bad_host', 'Missing or malformed Host header.', { Connection: 'close' });
    const checked = checkPath(req.url);
    if (!checked.ok) return sendJson(res, 400, 'bad_path', checked.message);
    const route = classify(req.method ?? 'GET', checked.pathname, checked.search, deps.publicPaths());
    if (route.kind === 'worker' && checked.pathname === '/api/health' && deps.statusKeyMatches(req.headers[STATUS_HEADER])) {
      const body = deps.health(true);
      res.writeHead(body.ok ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return void res.end(JSON.stringify(body));
    }

    let viaBearer = false;
    const open = route.kind === 'static' || route.kind === 'redirect' || ((route.kind === 'worker' || route.kind === 'backend') && route.open);
    if (!open) {
      const auth = await authenticated(req);
      if (auth.error) {
        if (isBadReply(auth.error)) {
          log.error('cannot check a session: the worker answered nonsense', { error: auth.error });
          return sendJson(res, 502, auth.error.code, auth.error.message);
        }
        log.warn('cannot check a session: worker unreachable', { error: auth.error });
        return sendUnavailable(req, res, 'worker', children.worker);
      }
      if (!auth.ok) {
        if (wantsHtml(req.headers.accept) && (req.method === 'GET' || req.method === 'HEAD')) {
          res.writeHead(302, { Location: `/fluxy/login?next=${encodeURIComponent(req.url ?? '/')}`, 'Cache-Control': 'no-store' });
          res.end();
          return;
        }
        return sendJson(res, 401, 'unauthorized', 'Sign in first: POST /api/portal/login, then send the fluxy_session cookie or Authorization: Bearer.');
      }
      viaBearer = auth.via === 'bearer';
      if (isCrossOriginWrite(req.method, auth.via!, req.headers, listener.trustForwarded)) {
        return sendJson(res, 403, 'cross_origin', 'This request came from another site with your session cookie: refused. Send it from this bot\'s own pages, or use Authorization: Bearer.');
      }
      if (route.kind === 'worker' && req.method === 'POST' && checked.pathname === '/api/portal/logout') gate.forget(auth.token!);
    }

    // Proxied and static bodies alike; the small JSON answers above are not worth it.
    compressResponse(req, res, log);
    switch (route.kind) {
      case 'worker':
        return toChild(req, res, 'worker');
      case 'backend':
        req.url = route.url;
        return toChild(req, res, 'backend', viaBearer);
      case 'vite':
        return toChild(req, res, 'vite', viaBearer);
      case 'static':
        return deps.serveStatic(req, res, route.file);
      case 'redirect':
        res.writeHead(301, { Location: route.location });
        res.end();
        return;
      case 'checkpoints':
        if (!deps.checkpoints) return sendJson(res, 404, 'not_found', 'Checkpoints are off in this Fluxy.');
        return deps.checkpoints(req, res, route);
      case 'chat-ws':
        return sendJson(res, 426, 'upgrade_required', 'Connect with a WebSocket.', { Upgrade: 'websocket', Connection: 'Upgrade' });
    }
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', (err) => log.debug('upgrade socket error', { error: err }));
    if (!hostValid(req.headers.host)) return rejectUpgrade(socket, 400, 'Bad Request', 'bad_host', 'Missing or malformed Host header.');
    const checked = checkPath(req.url);
    if (!checked.ok) return rejectUpgrade(socket, 400, 'Bad Request', 'bad_path', checked.message);
    for (const h of INTERNAL_HEADERS) delete req.headers[h];
    const auth = await authenticated(req);
    if (!auth.ok) {
      if (isBadReply(auth.error)) return rejectUpgrade(socket, 502, 'Bad Gateway', auth.error.code, auth.error.message);
      return auth.error
        ? rejectUpgrade(socket, 503, 'Service Unavailable', 'worker_unavailable', 'Cannot check the session right now.')
        : rejectUpgrade(socket, 401, 'Unauthorized', 'unauthorized', 'Sign in first: send the fluxy_session cookie or Authorization: Bearer.');
    }
    if (!fromOwnOrigin(req.headers, listener.trustForwarded)) return rejectUpgrade(socket, 403, 'Forbidden', 'bad_origin', 'Origin does not match Host.');
    const route = classify('GET', checked.pathname, checked.search, []);
    if (route.kind === 'chat-ws') return deps.chat.handleUpgrade(req, socket, head, auth.token!);
    if (route.kind !== 'vite') return rejectUpgrade(socket, 404, 'Not Found', 'not_found', 'No WebSocket here.');
    const vite = children.vite;
    if (vite.state !== 'running' && !(await vite.whenReady(CHILD_WAIT_MS))) {
      return rejectUpgrade(socket, 502, 'Bad Gateway', 'dashboard_unavailable', 'The dashboard dev server is not running.');
    }
    prepare(req, 'vite', auth.via === 'bearer');
    deps.proxy.ws(req, socket, head, 'vite', vite, true);
  }

  return { onRequest, onUpgrade };
}
