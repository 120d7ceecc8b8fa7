import type { ResponseHeaders } from '@fluxy/http-forward';
import type { RelayTier } from '@fluxy/protocol';
import { Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { signVisitor, VISITOR_HEADER } from '@fluxy/http-forward/visitor';
import { ProxyServer } from 'http-proxy-3';
import { clientAddress } from './client-address.ts';
import { confineCookieDomains } from './cookie-domain.ts';
import { CLIENT_CLAIMS, forwardHttp, VIA } from './forward-http.ts';
import type { CachedHandle, HandleCache } from './handle-cache.ts';
import type { Logger } from './logger.ts';
import { badGatewayPage, busyPage, offlinePage, unknownPage } from './pages.ts';
import { createSafeLookup } from './ssrf.ts';

export interface BotProxyOptions {
  cache: HandleCache;
  logger: Logger;
  allowPrivateTargets: boolean;
  trustProxy: boolean;
  maxConcurrentPerHandle: number;
  /** DNS for tunnel hosts; tests fake it to play a rebinding name. */
  lookup?: LookupFunction;
}

export interface BotProxy {
  web(req: IncomingMessage, res: ServerResponse, name: string, tier: RelayTier): void;
  ws(req: IncomingMessage, socket: Socket, head: Buffer, name: string, tier: RelayTier): void;
  close(): void;
}

/** Bot traffic: streamed both ways (HTTP by forwardHttp, WebSockets by http-proxy-3), never buffered, never parsed. */
export function createBotProxy(options: BotProxyOptions): BotProxy {
  const { cache, logger, trustProxy } = options;
  const lookup = options.allowPrivateTargets ? options.lookup : createSafeLookup(options.lookup);
  // Keep-alive to tunnels: a new TLS handshake per request would dominate the latency. Free
  // sockets are dropped after 4 s, under the 5 s keep-alive most servers (Node's default) use,
  // so we rarely reuse a socket the far end is closing.
  const agentOptions = { keepAlive: true, timeout: 4000, scheduling: 'lifo' as const, ...(lookup ? { lookup } : {}) };
  const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  // Upgraded sockets leave their agent for good; keep them out of the keep-alive pools.
  const wsAgents = { http: new HttpAgent(lookup ? { lookup } : {}), https: new HttpsAgent(lookup ? { lookup } : {}) };
  // toProxy: the path goes to the bot exactly as the client sent it (http-proxy-3 otherwise
  // re-parses it as a URL, which normalises `..`, `\` and escapes, and costs two URL parses per
  // request); prependPath off because a tunnel URL is an origin without a path.
  const proxy = new ProxyServer({ changeOrigin: true, xfwd: false, ws: true, toProxy: true, prependPath: false });
  const inflight = new Map<string, number>();

  proxy.on('error', (err, req, res) => onProxyError(err, req, res));
  // The bot's answer to an upgrade (101, or any other status) may set cookies too: the same rule as
  // for plain HTTP, applied before http-proxy-3 writes the headers to the client.
  proxy.on('proxyReqWs', (proxyReq, req) => {
    const confine = (answer: IncomingMessage) => confineCookieDomains(answer.headers as ResponseHeaders, req.headers.host);
    proxyReq.prependListener('upgrade', confine);
    proxyReq.prependListener('response', confine);
  });

  function onProxyError(err: Error, req: IncomingMessage, res: ServerResponse | Socket): void {
    const code = (err as NodeJS.ErrnoException).code;
    // Rare path: recover the handle from the Host rather than tagging every request object.
    const handle = (req.headers.host ?? '').split('.')[0] ?? '';
    logger.warn('proxy error', { handle, code, err });
    if ('writeHead' in res) {
      if (!res.headersSent) sendPage(res, 502, badGatewayPage(handle), { Refresh: '15' });
      else res.destroy();
    } else {
      (res as Socket).destroy();
    }
  }

  function sendPage(res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(html),
      ...extra,
    });
    res.end(html);
  }

  function rejectUpgrade(socket: Socket, status: number, reason: string): void {
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  }

  /**
   * X-Forwarded-*; the client's own For/Proto are believed only from a trusted balancer, and Host
   * is always the one the relay routed on (balancers do not all set it; a client must not). The
   * visitor's address also goes signed (`@fluxy/http-forward/visitor`): past Cloudflare's edge
   * the bot sees the relay as the client, and X-Forwarded-For is anyone's to write there.
   */
  function forwardHeaders(req: IncomingMessage, entry: CachedHandle): Record<string, string> {
    const h = req.headers;
    const peer = req.socket.remoteAddress ?? '';
    const given = (name: string) => (trustProxy && typeof h[name] === 'string' && h[name] ? (h[name] as string) : undefined);
    const xff = given('x-forwarded-for');
    const visitor = clientAddress(req, trustProxy);
    const out: Record<string, string> = {
      'x-forwarded-for': xff ? `${xff}, ${peer}` : visitor,
      'x-forwarded-proto': given('x-forwarded-proto') ?? ('encrypted' in req.socket ? 'https' : 'http'),
      'x-forwarded-host': h.host ?? '',
    };
    if (entry.record) out[VISITOR_HEADER] = signVisitor(entry.record.tokenHash, visitor.replace(/^::ffff:/, ''));
    return out;
  }

  /** A request the relay itself sent: a tunnel URL that leads back to the relay. */
  const isLoop = (req: IncomingMessage) => req.headers.via?.includes('fluxy-relay') === true;

  /** Counts a request against its handle's cap; returns the release function, or undefined when full. */
  function acquire(key: string): (() => void) | undefined {
    const n = inflight.get(key) ?? 0;
    if (n >= options.maxConcurrentPerHandle) return undefined;
    inflight.set(key, n + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (inflight.get(key) ?? 1) - 1;
      if (left <= 0) inflight.delete(key);
      else inflight.set(key, left);
    };
  }

  function webWith(entry: CachedHandle, req: IncomingMessage, res: ServerResponse, name: string, tier: RelayTier) {
    // Gone during the lookup: its 'close' has fired already, so a counted slot would never be released.
    if (res.closed || req.socket.destroyed) return;
    // Origin-form only (`/path`): an absolute-form or `*` target has no business at a bot.
    if (req.url?.charCodeAt(0) !== 47) {
      res.writeHead(400, { 'Content-Type': 'text/plain', 'Content-Length': 12, Connection: 'close' });
      return void res.end('Bad Request\n');
    }
    const presence = cache.presence(entry);
    if (presence === 'unknown') return sendPage(res, 404, unknownPage(name));
    if (presence === 'offline' || !entry.target) {
      return sendPage(res, 503, offlinePage(name), { 'Retry-After': '15', Refresh: '15' });
    }
    if (entry.literalForbidden) {
      logger.warn('tunnel url points at an internal address', { handle: name, tier });
      return sendPage(res, 502, badGatewayPage(name));
    }
    const release = acquire(`${tier}:${name}`);
    if (!release) return sendPage(res, 429, busyPage(name), { 'Retry-After': '1' });
    res.once('close', release);
    const target = entry.target;
    const agent = target.protocol === 'https:' ? agents.https : agents.http;
    forwardHttp(req, res, target, agent, forwardHeaders(req, entry), (err) => onProxyError(err, req, res));
  }

  function wsWith(entry: CachedHandle, req: IncomingMessage, socket: Socket, head: Buffer, name: string, tier: RelayTier) {
    if (socket.destroyed) return; // as in webWith: no slot for a client that already left
    if (req.url?.charCodeAt(0) !== 47) return rejectUpgrade(socket, 400, 'Bad Request');
    const presence = cache.presence(entry);
    if (presence === 'unknown') return rejectUpgrade(socket, 404, 'Not Found');
    if (presence === 'offline' || !entry.target) return rejectUpgrade(socket, 503, 'Service Unavailable');
    if (entry.literalForbidden) return rejectUpgrade(socket, 502, 'Bad Gateway');
    const release = acquire(`${tier}:${name}`);
    if (!release) return rejectUpgrade(socket, 429, 'Too Many Requests');
    socket.once('close', release);
    for (const h of CLIENT_CLAIMS) delete req.headers[h];
    Object.assign(req.headers, forwardHeaders(req, entry));
    req.headers.via = req.headers.via ? `${req.headers.via}, ${VIA}` : VIA;
    const target = entry.target;
    proxy.ws(req, socket, head, { target, agent: target.protocol === 'https:' ? wsAgents.https : wsAgents.http });
  }

  const lookupFailed = (err: unknown, name: string) => logger.error('handle lookup failed', { handle: name, err: err as Error });

  return {
    web(req, res, name, tier) {
      if (isLoop(req)) return sendPage(res, 508, badGatewayPage(name));
      const entry = cache.get(name, tier);
      if (!(entry instanceof Promise)) return webWith(entry, req, res, name, tier);
      entry.then(
        (e) => webWith(e, req, res, name, tier),
        (err) => {
          lookupFailed(err, name);
          sendPage(res, 503, offlinePage(name), { 'Retry-After': '15', Refresh: '15' });
        },
      );
    },
    ws(req, socket, head, name, tier) {
      socket.on('error', (err) => logger.debug('client socket error', { handle: name, err }));
      if (isLoop(req)) return rejectUpgrade(socket, 508, 'Loop Detected');
      const entry = cache.get(name, tier);
      if (!(entry instanceof Promise)) return wsWith(entry, req, socket, head, name, tier);
      entry.then(
        (e) => wsWith(e, req, socket, head, name, tier),
        (err) => {
          lookupFailed(err, name);
          rejectUpgrade(socket, 503, 'Service Unavailable');
        },
      );
    },
    close() {
      for (const a of [agents.http, agents.https, wsAgents.http, wsAgents.https]) a.destroy();
    },
  };
}
