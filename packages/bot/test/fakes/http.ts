// Shared plumbing for the fake provider servers: a real HTTP server on 127.0.0.1:0 that tracks
// its sockets so close() never waits on a keep-alive connection a client forgot to end.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined when the body was not JSON (see rawBody). */
  body: unknown;
  rawBody: Buffer;
  receivedAt: number;
}

/** One token chunk as the fake wrote it, for latency measurements (performance.now() clock). */
export interface WrittenChunk {
  requestIndex: number;
  text: string;
  writtenAt: number;
}

export interface FakeServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startHttpServer(
  handle: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>,
): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      Promise.resolve(handle(req, res, Buffer.concat(parts))).catch((err: unknown) => {
        // A script that throws is a test bug; answer 500 so the client does not hang, and say why.
        console.error('fake server handler failed', err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err) } }));
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function recordRequest(req: IncomingMessage, body: Buffer): RecordedRequest {
  let parsed: unknown;
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('json') && body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      // Not JSON after all: leave body undefined, rawBody holds it.
    }
  }
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: req.headers,
    body: parsed,
    rawBody: body,
    receivedAt: performance.now(),
  };
}

/** Unref'd: a scripted 20 s stall must not keep the test process alive after the fake is closed. */
export const sleep = (ms: number) =>
  new Promise<void>((r) => {
    setTimeout(r, ms).unref();
  });

/**
 * Destroys the connection mid-response: the client sees a stream that ends without its final event.
 * Waits until what was written so far has left, and a moment more for the client to read it;
 * destroying at once would discard the buffered bytes and look like a refused request instead.
 */
export async function cutConnection(res: ServerResponse): Promise<void> {
  await new Promise<void>((resolve) => res.write('', () => resolve()));
  await sleep(30);
  res.socket?.destroy();
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
