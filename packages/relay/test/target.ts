import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * The "bot" behind a tunnel, for tests: echoes requests, hashes uploads, streams SSE one event at
 * a time (each only when the test asks), and echoes WebSocket messages.
 */
export interface Target {
  url: string;
  server: Server;
  /** Lets the current SSE stream send its next event. */
  nextEvent(): void;
  /** Requests seen, newest last. */
  seen: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  const seen: Target['seen'] = [];
  const waiting: (() => void)[] = [];
  let credit = 0;
  const nextEvent = () => {
    const w = waiting.shift();
    if (w) w();
    else credit++;
  };
  const waitTurn = () =>
    new Promise<void>((resolve) => {
      if (credit > 0) {
        credit--;
        resolve();
      } else waiting.push(resolve);
    });

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (req.url === '/sha256') {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ sha256: hash.digest('hex'), bytes, chunked: req.headers['transfer-encoding'] === 'chunked' }));
    }
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      for (let i = 1; i <= 3; i++) {
        await waitTurn();
        res.write(`id: ${i}\ndata: event ${i}\n\n`);
      }
      return void res.end();
    }
    if (req.url === '/slow') {
      await waitTurn();
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('slow done');
    }
    let body = '';
    for await (const chunk of req as AsyncIterable<Buffer>) body += chunk.toString();
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'a=1; Path=/' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    ws.send(JSON.stringify({ hello: req.url, host: req.headers.host, xfh: req.headers['x-forwarded-host'] }));
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    nextEvent,
    seen,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
