// compressResponse around real node:http servers: what is compressed, what is left alone, and that
// a body written in pieces still reaches the client in pieces and whole.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, createBrotliDecompress, createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { acceptedEncodings, compressResponse } from '../src/supervisor/compress.ts';
import { createStaticHandler } from '../src/supervisor/static.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  raw: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function decode(a: Answer): Buffer {
  const enc = a.headers['content-encoding'];
  if (enc === 'br') return brotliDecompressSync(a.raw);
  if (enc === 'gzip') return gunzipSync(a.raw);
  assert.equal(enc, undefined);
  return a.raw;
}

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

  test("writeHead's flat header list and reason phrase survive", async () => {
    const a = await get(port, '/raw-headers', { 'accept-encoding': 'br' });
    assert.equal(a.headers['content-encoding'], 'br');
    assert.deepEqual(a.headers['set-cookie'], ['a=1', 'b=2']);
    assert.deepEqual(decode(a), text);
  });

  for (const [type, encoding] of [
    ['text/plain', 'gzip'],
    ['text/plain', 'br'],
    ['text/event-stream', 'br'],
  ] as const) {
    // A piece held in the compressor never arrives: the timeout turns that hang into a failure.
    test(`a ${type} stream with ${encoding} reaches the client piece by piece`, { timeout: 10_000 }, async () => {
      streams = [];
      const pieces: string[] = [];
      let onPiece: (() => void) | undefined;
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: `/stream?type=${encodeURIComponent(type)}`, headers: { 'accept-encoding': encoding } }, resolve)
          .on('error', reject)
          .end();
      });
      const expectCompressed = type !== 'text/event-stream';
      assert.equal(res.headers['content-encoding'], expectCompressed ? encoding : undefined);
      const body = expectCompressed ? res.pipe(encoding === 'br' ? createBrotliDecompress() : createGunzip()) : res;
      body.setEncoding('utf8');
      let buffered = '';
      body.on('data', (s: string) => {
        buffered += s;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        pieces.push(...lines);
        onPiece?.();
      });
      const nextPiece = (count: number) =>
        new Promise<void>((resolve) => {
          onPiece = () => pieces.length >= count && resolve();
          onPiece();
        });
      await nextPiece(1);
      assert.ok(pieces[0]!.startsWith('first '));
      for (let i = 2; i <= 4; i++) {
        streams[0]!.res.write(`piece ${i}\n`);
        // No end, no more data: only a flush per write can deliver this piece.
        await nextPiece(i);
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

describe('static files', () => {
  let dir: string;
  let server: Server;
  let port: number;
  const js = Buffer.from(`export const x = ${JSON.stringify('a'.repeat(5000))};\n`);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fluxy-static-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets/index-B3x9kQ1z.js'), js);
    // Marked so the test sees which file was sent: the precompressed one, not a fresh compression.
    writeFileSync(join(dir, 'assets/index-B3x9kQ1z.js.br'), brotliCompressSync(Buffer.concat([js, Buffer.from('//br\n')])));
    writeFileSync(join(dir, 'index.html'), `<!doctype html>${'<p>hello</p>'.repeat(200)}`);
    writeFileSync(join(dir, 'stale.js'), js);
    writeFileSync(join(dir, 'stale.js.gz'), gzipSync('old'));
    utimesSync(join(dir, 'stale.js.gz'), new Date(2000, 1, 1), new Date(2000, 1, 1));
    const serve = createStaticHandler(dir);
    server = createServer((req, res) => {
      compressResponse(req, res);
      serve(req, res, (req.url ?? '/').slice(1));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a precompressed .br sibling is sent as is; hashed assets are immutable, HTML revalidates', async () => {
    const br = await get(port, '/assets/index-B3x9kQ1z.js', { 'accept-encoding': 'gzip, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.match(decode(br).toString(), /\/\/br\n$/);
    // Without a .gz sibling, gzip is made on the fly from the file itself.
    const gz = await get(port, '/assets/index-B3x9kQ1z.js', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(decode(gz), js);
    const html = await get(port, '/', { 'accept-encoding': 'br' });
    assert.equal(html.headers['cache-control'], 'no-cache');
    assert.equal(html.headers['content-encoding'], 'br');
    assert.match(decode(html).toString(), /^<!doctype html>/);
  });

  test('a sibling older than its file is ignored', async () => {
    const a = await get(port, '/stale.js', { 'accept-encoding': 'gzip' });
    assert.equal(a.headers['content-encoding'], 'gzip');
    assert.deepEqual(decode(a), js);
  });
});
