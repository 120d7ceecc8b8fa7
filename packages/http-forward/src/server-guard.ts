import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The edge of a public HTTP server, shared by the bot's supervisor and the relay: slow or idle
 * clients cannot pile up connections until the process runs out of descriptors (the review held
 * 21,000 idle sockets open against 20,000 descriptors and /api/health failed).
 */

/** A client (one address) holds at most this many connections at once; more are closed at once. */
export const MAX_CONNECTIONS_PER_ADDRESS = 256;
/** Headers must arrive within this long. */
export const HEADERS_TIMEOUT_MS = 30_000;

/**
 * Server options for the timeouts. No request timeout: uploads and streams may be long. Node checks
 * the headers timeout every `connectionsCheckingInterval` (30 s by default, which doubles the
 * window), so the check runs four times per timeout here.
 */
export function edgeServerOptions(headersTimeoutMs = HEADERS_TIMEOUT_MS): ServerOptions {
  return {
    requestTimeout: 0,
    headersTimeout: headersTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(headersTimeoutMs / 4))),
  };
}

export interface EdgeGuardOptions {
  /** 0 turns the cap off (behind a load balancer every client has the balancer's address). */
  maxConnectionsPerAddress?: number;
}

function errorResponse(status: string, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

const RESPONSES: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: errorResponse('408 Request Timeout', 'request_timeout', 'The request headers did not arrive in time.'),
  HPE_HEADER_OVERFLOW: errorResponse('431 Request Header Fields Too Large', 'headers_too_large', 'The request headers are too large.'),
};
const BAD_REQUEST = errorResponse('400 Bad Request', 'bad_request', 'Malformed HTTP request.');

/**
 * Installs the per-address connection cap and the answer to broken clients: malformed HTTP gets
 * 400 (431 for huge headers), headers that do not arrive in time get 408, and the socket is then
 * destroyed, not ended: an ended socket waits in FIN_WAIT2, holding its descriptor, for as long as
 * the client keeps its side open.
 */
export function guardEdge(server: Server, options: EdgeGuardOptions = {}): void {
  const max = options.maxConnectionsPerAddress ?? MAX_CONNECTIONS_PER_ADDRESS;
  if (max > 0) {
    const open = new Map<string, number>();
    server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? '';
      const n = open.get(address) ?? 0;
      if (n >= max) {
        socket.destroy();
        return;
      }
      open.set(address, n + 1);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left <= 0) open.delete(address);
        else open.set(address, left);
      });
    });
  }
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code !== 'ECONNRESET' && socket.writable && !socket.writableEnded) {
      socket.write(RESPONSES[err.code ?? ''] ?? BAD_REQUEST);
    }
    socket.destroy();
  });
}
