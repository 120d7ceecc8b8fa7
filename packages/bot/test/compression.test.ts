// compressResponse around real node:http servers: what is compressed, what is left alone, and that
// a body written in pieces still reaches the client in pieces and whole.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createBrotliDecompress, createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { acceptedEncodings, compressResponse } from '../src/supervisor/compress.ts';
import { decode, get } from './helpers/raw-get.ts';
import { collectPieces } from './helpers/stream-pieces.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const text = Buffer.from(`${'The quick brown fox jumps over the lazy dog. '.repeat(2000)}\n`);
/** 8 MB that differs along its length, so a lost or reordered piece shows. */
const big = Buffer.concat(Array.from({ length: 160 }, (_, i) => Buffer.concat([Buffer.from(`[${i}]`), text]))).subarray(0, 8_000_000);
const routes: Record<string, Handler> = {
  '/text': (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Content-Length': text.length, ETag: '"abc"' });
    res.end(text);
  },
  // The shape http-proxy-3 and a plain pipe produce: setHeader, then writes with no writeHead.
  '/piped': (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    Readable.from([text.subarray(0, 1000), text.subarray(1000, 50_000), text.subarray(50_000)]).pipe(res);
  },
  '/big': (_req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    // 8 MB through pipe: the compressor's backpressure must not lose or reorder a byte.
    Readable.from(Array.from({ length: 80 }, (_, i) => big.subarray(i * 100_000, (i + 1) * 100_000))).pipe(res);
  },
  '/small': (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 11 });
    res.end('{"ok":true}');
  },
  '/small-end': (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end('{"ok":true}');
  },
  '/png': (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': text.length });
    res.end(text);
  },
  '/encoded': (_req, res) => {
    const body = gzipSync(text);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Content-Length': body.length });
    res.end(body);
  },
  '/no-transform': (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-transform' });
    res.end(text);
  },
  '/not-modified': (_req, res) => {
    res.writeHead(304, { 'Content-Type': 'text/plain', ETag: '"x"' });
    res.end();
  },
  '/raw-headers': (_req, res) => {
    res.writeHead(200, 'Fine', ['Content-Type', 'text/html', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
    res.end(text);
  },
  '/pair-headers': (_req, res) => {
    res.writeHead(200, [
      ['Content-Type', 'text/css'],
      ['X-Pair', 'yes'],
    ] as unknown as string[]);
    res.end(text);
  },
};

describe('compressResponse', () => {
  let server: Server;
  let port: number;
  let streams: { res: ServerResponse; type: string }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      compressResponse(req, res);
      const path = (req.url ?? '').split('?')[0]!;
      if (path === '/stream') {
        // Written piece by piece, on the test's command: a piece held in the compressor would hang the test.
        const type = new URL(req.url ?? '', 'http://x').searchParams.get('type') ?? 'text/plain';
        res.writeHead(200, { 'Content-Type': type });
        res.write(`first ${'x'.repeat(2000)}\n`);
        streams.push({ res, type });
        return;
      }
      const handler = routes[path];
      if (handler) handler(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    for (const s of streams) s.res.destroy();
    server.close();
  });

  test('Accept-Encoding picks brotli, gzip or none; the body decodes to the same bytes', async () => {
    const br = await get(port, '/text', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['content-length'], undefined);
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.equal(br.headers.etag, 'W/"abc"', 'a strong ETag is weakened for the re-encoded body');
    assert.ok(br.raw.length < text.length / 20, `brotli ${br.raw.length} of ${text.length}`);
    assert.deepEqual(decode(br), text);

    const gz = await get(port, '/text', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(decode(gz), text);

    const none = await get(port, '/text');
    assert.equal(none.headers['content-encoding'], undefined);
    assert.equal(none.headers['content-length'], String(text.length));
    assert.equal(none.headers.vary, 'Accept-Encoding');
    assert.deepEqual(none.raw, text);

    const refused = await get(port, '/text', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
  });

  test('piped bodies (no writeHead, no length) and an 8 MB body under backpressure arrive whole', async () => {
    const piped = await get(port, '/piped', { 'accept-encoding': 'br' });
    assert.equal(piped.headers['content-encoding'], 'br');
    assert.deepEqual(decode(piped), text);
    const answer = await get(port, '/big', { 'accept-encoding': 'gzip' });
    assert.equal(answer.headers['content-encoding'], 'gzip');
    assert.ok(decode(answer).equals(big), 'the 8 MB body decodes to the same bytes');
  });

  test('a client that goes away mid-body leaves the server answering the next request', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/big', headers: { 'accept-encoding': 'br' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
      req.end();
    });
    const after = await get(port, '/text', { 'accept-encoding': 'br' });
    assert.deepEqual(decode(after), text);
  });

  test('left alone: small bodies, images, encoded bodies, no-transform, 304, cross-site requests, HEAD', async () => {
    const ae = { 'accept-encoding': 'br, gzip' };
    const small = await get(port, '/small', ae);
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.raw.toString(), '{"ok":true}');
    const smallEnd = await get(port, '/small-end', ae);
    assert.equal(smallEnd.headers['content-encoding'], undefined);
    assert.equal(smallEnd.raw.toString(), '{"ok":true}');
    const png = await get(port, '/png', ae);
    assert.equal(png.headers['content-encoding'], undefined);
    assert.equal(png.headers.vary, undefined);
    const encoded = await get(port, '/encoded', ae);
    assert.equal(encoded.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(encoded.raw), text, 'not compressed twice');
    const noTransform = await get(port, '/no-transform', ae);
    assert.equal(noTransform.headers['content-encoding'], undefined);
    const notModified = await get(port, '/not-modified', ae);
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers['content-encoding'], undefined);
    const crossSite = await get(port, '/text', { ...ae, 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.headers['content-encoding'], undefined, 'not for requests another site made');
    const head = await get(port, '/text', ae, 'HEAD');
    assert.equal(head.headers['content-encoding'], undefined);
    assert.equal(head.headers['content-length'], String(text.length));
  });

  test("writeHead's header lists (flat or in pairs) and reason phrase survive", async () => {
    const a = await get(port, '/raw-headers', { 'accept-encoding': 'br' });
    assert.equal(a.headers['content-encoding'], 'br');
    assert.deepEqual(a.headers['set-cookie'], ['a=1', 'b=2']);
    assert.deepEqual(decode(a), text);
    const pairs = await get(port, '/pair-headers', { 'accept-encoding': 'gzip' });
    assert.equal(pairs.headers['content-encoding'], 'gzip');
    assert.equal(pairs.headers['x-pair'], 'yes');
    assert.deepEqual(decode(pairs), text);
  });

  for (const [type, encoding] of [
    ['text/plain', 'gzip'],
    ['text/plain', 'br'],
    ['text/event-stream', 'br'],
  ] as const) {
    // A piece held in the compressor never arrives: the timeout turns that hang into a failure.
    test(`a ${type} stream with ${encoding} reaches the client piece by piece`, { timeout: 10_000 }, async () => {
      streams = [];
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: `/stream?type=${encodeURIComponent(type)}`, headers: { 'accept-encoding': encoding } }, resolve)
          .on('error', reject)
          .end();
      });
      const expectCompressed = type !== 'text/event-stream';
      assert.equal(res.headers['content-encoding'], expectCompressed ? encoding : undefined);
      const body = expectCompressed ? res.pipe(encoding === 'br' ? createBrotliDecompress() : createGunzip()) : res;
      const { pieces, arrived } = collectPieces(body, '\n');
      await arrived(1);
      assert.ok(pieces[0]!.startsWith('first '));
      for (let i = 2; i <= 4; i++) {
        streams[0]!.res.write(`piece ${i}\n`);
        // No end, no more data: only a flush per write can deliver this piece.
        await arrived(i);
        assert.equal(pieces[i - 1], `piece ${i}`);
      }
      streams[0]!.res.end();
      await new Promise((r) => body.on('end', r));
    });
  }

  test('q-values and * are honoured', () => {
    assert.deepEqual(acceptedEncodings('gzip, br'), ['br', 'gzip']);
    assert.deepEqual(acceptedEncodings('gzip;q=1, br;q=0.5'), ['gzip', 'br']);
    assert.deepEqual(acceptedEncodings('*'), ['br', 'gzip']);
    assert.deepEqual(acceptedEncodings('identity'), []);
    assert.deepEqual(acceptedEncodings(undefined), []);
    assert.deepEqual(acceptedEncodings('*;q=0, gzip'), ['gzip']);
  });
});
