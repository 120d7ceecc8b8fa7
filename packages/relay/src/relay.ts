import { edgeServerOptions, guardEdge } from '@fluxy/http-forward/server-guard';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ApiContext } from './api/context.ts';
import { createRelayRouter } from './api/router.ts';
import { createBotProxy } from './bot-proxy.ts';
import { createHandleCache, type HandleCache } from './handle-cache.ts';
import { createHostRouter } from './host-router.ts';
import { createLogger } from './logger.ts';
import { type RelayOptions, resolveRelayOptions } from './options.ts';
import { createRateLimiter } from './rate-limit.ts';
import { openStore, type RelayStore } from './store/index.ts';

export interface Relay {
  readonly server: Server;
  readonly store: RelayStore;
  readonly cache: HandleCache;
  /** Listens (port 0 picks one); resolves with the bound address's URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Drops a cached handle (`tier:name`, or `*` for all); for changes heard from other processes. */
  invalidate(key: string): void;
  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left
   * (WebSockets, long streams) and closes the store if the relay opened it.
   */
  close(graceMs?: number): Promise<void>;
}

export async function createRelay(options: RelayOptions): Promise<Relay> {
  const o = resolveRelayOptions(options);
  const logger = o.logger ?? createLogger('info');
  const now = o.now ?? Date.now;
  const ownsStore = !o.store;
  const store = o.store ?? openStore(o.db, { onError: (err) => logger.error('database error', { err }) });
  if (ownsStore) await store.migrate();
  const staleAfterMs = o.staleAfterSeconds * 1000;
  const cache = createHandleCache({ store, staleAfterMs, allowPrivateTargets: o.allowPrivateTargets, ttlMs: o.cacheTtlMs, now });
  store.onChange((key) => cache.invalidate(key));

  const ctx: ApiContext = {
    store,
    cache,
    logger,
    domain: o.domain,
    scheme: o.scheme,
    staleAfterMs,
    coolingOffMs: o.coolingOffSeconds * 1000,
    allowPrivateTargets: o.allowPrivateTargets,
    trustProxy: o.trustProxy,
    maxBodyBytes: o.maxBodyBytes,
    registerLimiter: createRateLimiter(o.registerLimit.max, o.registerLimit.windowSeconds * 1000, now),
    availabilityLimiter: createRateLimiter(o.availabilityLimit.max, o.availabilityLimit.windowSeconds * 1000, now),
    renameLimiter: createRateLimiter(o.renameLimit.max, o.renameLimit.windowSeconds * 1000, now),
    badTokenLimiter: createRateLimiter(o.badTokenLimit.max, o.badTokenLimit.windowSeconds * 1000, now),
    lookup: o.lookup,
    changed(key) {
      cache.invalidate(key);
      store.publishChange(key).catch((err: Error) => logger.error('could not publish a change', { err }));
      o.broadcast?.(key);
    },
    now,
  };

  const routeHost = createHostRouter(o.domain);
  const relayRoutes = createRelayRouter(ctx);
  const bots = createBotProxy({
    cache,
    logger,
    allowPrivateTargets: o.allowPrivateTargets,
    trustProxy: o.trustProxy,
    maxConcurrentPerHandle: o.maxConcurrentPerHandle,
    lookup: o.lookup,
  });

  let active = 0;
  let closing = false;
  const upgraded = new Set<Socket>();
  const idle: (() => void)[] = [];
  const settle = () => {
    active -= 1;
    if (active === 0) for (const fn of idle.splice(0)) fn();
  };

  // The Host decides first: bot traffic goes to the proxy with its body unread, and only the
  // relay's own routes ever parse a body (the spec's "critical constraint").
  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    active += 1;
    res.once('close', settle);
    if (closing) res.setHeader('Connection', 'close');
    const route = routeHost(req.headers.host);
    if (route.kind === 'bot') bots.web(req, res, route.name, route.tier);
    else relayRoutes(req, res, route);
  }

  // Upgrades arrive here, outside every request handler: nothing may read or wrap them first.
  function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer) {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const route = routeHost(req.headers.host);
    if (route.kind === 'bot' && !closing) return bots.ws(req, socket, head, route.name, route.tier);
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  // No request timeout: a 50 MB upload over a slow phone link or an hour-long SSE stream is
  // legitimate. Sockets idle for `idleTimeoutSeconds` are closed instead, slow headers (slowloris)
  // get 408 after `headersTimeoutMs`, and one address holds at most so many connections
  // (guardEdge, shared with the bot's supervisor; it also answers malformed HTTP).
  const server = createServer({ ...edgeServerOptions(o.headersTimeoutMs), keepAliveTimeout: 5_000 }, onRequest);
  server.setTimeout(o.idleTimeoutSeconds * 1000);
  server.on('upgrade', onUpgrade);
  guardEdge(server, { maxConnectionsPerAddress: o.maxConnectionsPerAddress });

  return {
    server,
    store,
    cache,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          logger.info('relay listening', { address: `${h}:${a.port}`, domain: o.domain, db: store.kind });
          resolve(`http://${h}:${a.port}`);
        });
      });
    },
    invalidate: (key) => cache.invalidate(key),
    async close(graceMs = 10_000) {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (active > 0) {
        // Keep-alive connections go idle as their last response ends; close them as they do.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        await Promise.race([new Promise<void>((r) => idle.push(r)), new Promise((r) => setTimeout(r, graceMs).unref())]);
        clearInterval(sweep);
      }
      server.closeAllConnections();
      for (const s of upgraded) s.destroy();
      await stopped;
      bots.close();
      ctx.registerLimiter.close();
      ctx.availabilityLimiter.close();
      ctx.renameLimiter.close();
      ctx.badTokenLimiter.close();
      if (ownsStore) await store.close();
      logger.info('relay stopped');
    },
  };
}

