import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { edgeServerOptions, guardEdge } from '@fluxy/http-forward/server-guard';
import type { Logger } from '../shared/logger.ts';
import type { createRequestHandler } from './http-handler.ts';

export interface ListenerOptions {
  handler: ReturnType<typeof createRequestHandler>;
  log: Logger;
  /** Every socket of every listener, destroyed at shutdown. */
  sockets: Set<Socket>;
  headersTimeoutMs?: number;
  maxConnectionsPerAddress?: number;
}

/**
 * One HTTP listener of the supervisor: the base port, or the tunnel ingress on N+3 (the same
 * handler built with `trustForwarded`). No request timeout: uploads and streams to the workspace
 * backend may be long. Headers must come quickly; a client holds at most so many connections
 * (guardEdge also answers malformed HTTP).
 */
export function createListener(options: ListenerOptions): Server {
  const { handler, log, sockets } = options;
  const server: Server = createServer({ ...edgeServerOptions(options.headersTimeoutMs), keepAliveTimeout: 65_000 });
  guardEdge(server, { maxConnectionsPerAddress: options.maxConnectionsPerAddress });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('request', (req, res) => {
    handler.onRequest(req, res).catch((err) => {
      log.error('request failed', { url: req.url, error: err });
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal_error', message: 'The supervisor failed on this request.' } }));
      } else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    handler.onUpgrade(req, socket, head).catch((err) => {
      log.error('upgrade failed', { url: req.url, error: err });
      socket.destroy();
    });
  });
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
