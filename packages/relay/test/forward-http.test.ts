// The relay's hot path on its own: hop-by-hop headers, repeated headers, failures before and after
// the answer starts, and a client that leaves in the middle of a stream.
import assert from 'node:assert/strict';
import { Agent, createServer, get, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { forwardHttp } from '../src/forward-http.ts';

const agent = new Agent({ keepAlive: true });
const servers: Server[] = [];
after(() => {
  agent.destroy();
  for (const s of servers) s.close();
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function relayTo(target: string, errors: Error[] = []): Promise<string> {
  return listen((req, res) =>
    forwardHttp(req, res, new URL(target), agent, { 'x-forwarded-for': '203.0.113.7' }, (err) => {
      errors.push(err);
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    }),
  );
}

function fetchRaw(url: string, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ res, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('hop-by-hop headers stay behind; repeated response headers and the status line come through', async () => {
  let seen: IncomingMessage['headers'] = {};
  const target = await listen((req, res) => {
    seen = req.headers;
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.setHeader('x-hop', 'nominated');
    res.setHeader('connection', 'x-hop');
    res.writeHead(201, 'Made It');
    res.end('ok');
  });
  const relay = await relayTo(target);
  const { res, body } = await fetchRaw(`${relay}/p?q=1`, {
    connection: 'keep-alive, x-private, x-forwarded-for',
    'x-private': 'secret',
    'x-kept': 'yes',
    te: 'trailers',
    forwarded: 'for=6.6.6.6',
    'x-real-ip': '6.6.6.6',
  });
  assert.equal(res.statusCode, 201);
  assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
  assert.equal(res.headers['x-hop'], undefined, 'a header the target nominated as hop-by-hop is dropped');
  assert.equal(body, 'ok');
  assert.equal(seen['x-private'], undefined);
  assert.equal(seen.te, undefined);
  assert.equal(seen['x-kept'], 'yes');
  assert.equal(seen.host, new URL(target).host);
  assert.equal(seen['x-forwarded-for'], '203.0.113.7', 'naming our header in Connection does not strip it');
  assert.equal(seen.forwarded, undefined);
  assert.equal(seen['x-real-ip'], undefined);
  assert.equal(seen.via, '1.1 fluxy-relay');
});

test('a bot that cannot be reached gets the error page; one that dies mid-answer closes the client', async () => {
  const errors: Error[] = [];
  const closed = await listen(() => undefined);
  const port = new URL(closed).port;
  await new Promise<void>((r) => servers.pop()!.close(() => r()));
  const relay = await relayTo(`http://127.0.0.1:${port}`, errors);
  const down = await fetchRaw(relay);
  assert.equal(down.res.statusCode, 502);
  assert.equal(errors.length, 1);

  const dying = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('half');
    setImmediate(() => res.socket?.destroy());
  });
  const relay2 = await relayTo(dying);
  await assert.rejects(fetchRaw(relay2), /aborted|socket hang up|ECONNRESET/);
});

test('a client that leaves in the middle of a stream ends the upstream request', async () => {
  let upstreamClosed!: () => void;
  const upstreamGone = new Promise<void>((r) => (upstreamClosed = r));
  const target = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => res.write('data: tick\n\n'), 20);
    req.on('close', () => {
      clearInterval(timer);
      upstreamClosed();
    });
  });
  const relay = await relayTo(target);
  await new Promise<void>((resolve, reject) => {
    get(relay, (res) => {
      res.once('data', () => {
        res.destroy();
        resolve();
      });
    }).on('error', reject);
  });
  await upstreamGone;
});
