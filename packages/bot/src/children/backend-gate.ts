// Preloaded into the workspace backend only (`--import`, before the user's code): every HTTP
// server in the process answers only requests that came through the supervisor. The user's code
// is rewritten by the agent at will, so this check must live outside it. A request needs the
// supervisor's per-start secret header and the backend's own address as Host (the supervisor sends
// that; the client's host is in X-Forwarded-Host), else it gets 403 JSON before the app sees it.
import { type IncomingMessage, Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BACKEND_SECRET_ENV, BACKEND_SECRET_HEADER } from '../shared/backend-secret.ts';
import { secretMatches } from '../shared/secret-match.ts';

const secret = process.env[BACKEND_SECRET_ENV];
// The user's code (and whatever it spawns) has no business with it.
delete process.env[BACKEND_SECRET_ENV];

const REFUSAL = JSON.stringify({
  error: { code: 'forbidden', message: 'The workspace backend answers only through Fluxy: use /app/api/ on the Fluxy port.' },
});

function allowedHosts(): Set<string> {
  const port = process.env.PORT ?? '';
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

function admitted(req: IncomingMessage, expected: string, hosts: Set<string>): boolean {
  const given = req.headers[BACKEND_SECRET_HEADER];
  delete req.headers[BACKEND_SECRET_HEADER];
  return hosts.has((req.headers.host ?? '').toLowerCase()) && secretMatches(given, expected);
}

if (secret) {
  const hosts = allowedHosts();
  const emit = Server.prototype.emit;
  // Wrapping emit sees each request before any listener the app added, whichever way it listens.
  Server.prototype.emit = function guardedEmit(this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request' && !admitted(args[0] as IncomingMessage, secret, hosts)) {
      const res = args[1] as ServerResponse;
      res.writeHead(403, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(REFUSAL), Connection: 'close' });
      res.end(REFUSAL);
      return true;
    }
    if (event === 'upgrade' && !admitted(args[0] as IncomingMessage, secret, hosts)) {
      const socket = args[1] as Duplex;
      socket.on('error', () => socket.destroy());
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(REFUSAL)}\r\nConnection: close\r\n\r\n${REFUSAL}`);
      return true;
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof Server.prototype.emit;
}
