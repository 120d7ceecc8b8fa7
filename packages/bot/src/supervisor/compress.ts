// Response compression for everything the supervisor answers: its own files and what it proxies
// from Vite, the worker and the backend. It wraps the ServerResponse (as the `compression` express
// middleware does) instead of hooking into a proxy, so it works whatever forwards the bytes.
// Vite's development build of react-dom alone is 3.1 MB raw, 0.6 MB gzipped: on a phone over the
// relay that difference is seconds.
import { statSync } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants, createBrotliCompress, createGzip, type Gzip } from 'node:zlib';
import { isErrno } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';

export type Encoding = 'br' | 'gzip';

/** Below this a body fits in a packet or two anyway; compressing it costs more than it saves. */
export const MIN_COMPRESS_BYTES = 1024;
/** Quality 5 is about gzip's speed with a better ratio; 11 (brotli's default) is far too slow per request. */
const BROTLI_QUALITY = 5;
const GZIP_LEVEL = 6;

/**
 * Types worth compressing: text, JSON, JavaScript, XML, SVG, manifests, source maps (served as
 * JSON). Server-sent events are left alone: a compressor holds bytes back, and an event that
 * waits in it is an event the page does not see.
 */
const COMPRESSIBLE = /^\s*(?:text\/(?!event-stream)|application\/(?:json|javascript|x-javascript|ecmascript|xml|wasm|[\w.-]+\+(?:json|xml))|image\/svg\+xml)/i;

export function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE.test(contentType);
}

/** The encodings of ours the client accepts, preferred first (q-values honoured, `*` understood, brotli on a tie). */
export function acceptedEncodings(header: string | string[] | undefined): Encoding[] {
  const q = new Map<string, number>();
  for (const part of (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const any = q.get('*') ?? 0;
  const br = q.get('br') ?? any;
  const gzip = q.get('gzip') ?? q.get('x-gzip') ?? any;
  const ranked: [Encoding, number][] = [
    ['br', br],
    ['gzip', gzip],
  ];
  return ranked
    .filter(([, value]) => value > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name]) => name);
}

/**
 * A `.br` or `.gz` file next to `path` (the chat app's build writes them), in the client's order of
 * preference; one older than the file itself is stale and ignored.
 */
export function precompressedSibling(
  header: string | string[] | undefined,
  path: string,
  mtimeMs: number,
): { path: string; size: number; encoding: Encoding } | undefined {
  for (const encoding of acceptedEncodings(header)) {
    const sibling = `${path}${encoding === 'br' ? '.br' : '.gz'}`;
    try {
      const stat = statSync(sibling);
      if (stat.isFile() && stat.mtimeMs >= mtimeMs) return { path: sibling, size: stat.size, encoding };
    } catch (err) {
      if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
    }
  }
  return undefined;
}

/** Adds Accept-Encoding to Vary (once), so a cache never hands a brotli body to a client that asked for none. */
function varyOnEncoding(res: ServerResponse): void {
  const current = res.getHeader('vary');
  const list = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (list.includes('*') || list.some((v) => v.toLowerCase() === 'accept-encoding')) return;
  res.setHeader('Vary', [...list, 'Accept-Encoding'].join(', '));
}

/**
 * writeHead's headers (an object, a flat [name, value, …] list, or [name, value] pairs, as Node
 * takes them) applied with setHeader, so they are seen before sending.
 */
function applyHeaders(res: ServerResponse, headers: OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined): void {
  if (!headers) return;
  if (!Array.isArray(headers)) {
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
    return;
  }
  const list: unknown[] = Array.isArray(headers[0]) ? (headers as unknown as unknown[][]).flat() : headers;
  const grouped = new Map<string, { name: string; values: string[] }>();
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = String(list[i]);
    const entry = grouped.get(name.toLowerCase()) ?? { name, values: [] };
    entry.values.push(String(list[i + 1]));
    grouped.set(name.toLowerCase(), entry);
  }
  for (const { name, values } of grouped.values()) res.setHeader(name, values.length === 1 ? values[0]! : values);
}

function createEncoder(encoding: Encoding, sizeHint: number | undefined): Gzip {
  if (encoding === 'gzip') return createGzip({ level: GZIP_LEVEL });
  const params: Record<number, number> = {
    [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  };
  if (sizeHint) params[constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  // BrotliCompress and Gzip share the zlib base (write, flush, end); only the constructor differs.
  return createBrotliCompress({ params }) as unknown as Gzip;
}

type Chunk = string | Uint8Array;
type Callback = (err?: Error | null) => void;

const byteLength = (chunk: Chunk | undefined, encoding?: BufferEncoding) =>
  chunk === undefined ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.byteLength;

/**
 * For a client that accepts none of our encodings: nothing is compressed, but a compressible answer
 * still says `Vary: Accept-Encoding` (a cache must not hand it to a client that asked for brotli).
 * Only writeHead is hooked (Node calls it for implicit headers too); write and end stay Node's own,
 * which spares most requests from API clients (curl, scripts) the compressor's wrapping.
 */
function varyOnly(res: ServerResponse): void {
  const writeHead = res.writeHead as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
  res.writeHead = function (this: ServerResponse, statusCode: number, reason?: unknown, headers?: unknown) {
    if (typeof reason === 'string') this.statusMessage = reason;
    else headers = reason;
    applyHeaders(this, headers as OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined);
    if (isCompressible(String(this.getHeader('content-type') ?? ''))) varyOnEncoding(this);
    return writeHead.call(this, statusCode);
  } as ServerResponse['writeHead'];
}

/**
 * Makes `res` compress its body when the request accepts br or gzip and the response is worth it:
 * a compressible type, not HEAD/1xx/204/206/304, not already encoded, not `no-transform`, and not
 * known to be under 1 KB (by Content-Length, or by `end(body)` before any header went out). The
 * decision is taken when the headers go out. A body without a declared length is a stream: each
 * burst of its writes is flushed on the next turn of the event loop, so it reaches the client as it
 * is written (ndjson, chunked progress) rather than when the compressor's buffer fills.
 */
export function compressResponse(req: IncomingMessage, res: ServerResponse, log?: Logger): void {
  // Another site making the owner's browser fetch pages whose compressed size it can watch is how
  // BREACH-style attacks read secrets out of compressed bodies; such requests are left alone.
  if (req.method === 'HEAD' || req.headers['sec-fetch-site'] === 'cross-site') return;
  const accepted = acceptedEncodings(req.headers['accept-encoding'])[0];
  if (!accepted) {
    varyOnly(res);
    return;
  }
  // The originals, called with whatever arguments the caller gave (their overloads do not survive `.call`).
  const writeHead = res.writeHead as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
  const write = res.write as (this: ServerResponse, ...args: unknown[]) => boolean;
  const end = res.end as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
  let decided = false;
  let encoder: Gzip | undefined;
  let flushQueued = false;
  let ending = false;
  /** No declared length: a stream (ndjson, progress) whose pieces must not wait for the next one. */
  let streaming = false;

  const start = (endLength?: number) => {
    decided = true;
    if (!isCompressible(String(res.getHeader('content-type') ?? ''))) return;
    varyOnEncoding(res);
    const status = res.statusCode;
    if (!accepted || status < 200 || status === 204 || status === 206 || status === 304) return;
    if (res.getHeader('content-encoding')) return;
    if (/\bno-transform\b/i.test(String(res.getHeader('cache-control') ?? ''))) return;
    const declared = res.getHeader('content-length');
    const length = declared !== undefined ? Number(declared) : endLength;
    if (length !== undefined && length < MIN_COMPRESS_BYTES) return;

    streaming = declared === undefined && endLength === undefined;
    encoder = createEncoder(accepted, length);
    res.setHeader('Content-Encoding', accepted);
    res.removeHeader('Content-Length');
    // The body is no longer byte-identical to what a strong ETag promised.
    const etag = res.getHeader('etag');
    if (typeof etag === 'string' && !etag.startsWith('W/')) res.setHeader('ETag', `W/${etag}`);

    encoder.on('data', (data: Buffer) => {
      if (!write.call(res, data)) encoder?.pause();
    });
    encoder.on('drain', () => res.emit('drain'));
    encoder.on('end', () => end.call(res));
    encoder.on('error', (err) => {
      log?.warn('compression failed', { error: err });
      res.destroy(err);
    });
    res.on('drain', () => encoder?.resume());
    res.on('close', () => encoder?.destroy());
  };

  res.writeHead = function (this: ServerResponse, statusCode: number, reason?: unknown, headers?: unknown) {
    if (!decided) {
      if (typeof reason === 'string') this.statusMessage = reason;
      else headers = reason;
      applyHeaders(this, headers as OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined);
      this.statusCode = statusCode;
      start();
      return writeHead.call(this, this.statusCode);
    }
    return writeHead.call(this, statusCode, reason, headers);
  } as ServerResponse['writeHead'];

  res.write = function (this: ServerResponse, chunk: Chunk, encoding?: BufferEncoding | Callback, cb?: Callback) {
    if (!decided && !this.headersSent) start();
    if (!encoder || ending) return write.call(this, chunk, encoding, cb);
    if (!this.headersSent) writeHead.call(this, this.statusCode);
    // A body of known length goes out as the compressor fills its blocks: flushing every piece of
    // a 3 MB module cost about a fifth more CPU and bytes for nothing.
    if (streaming && !flushQueued) {
      flushQueued = true;
      setImmediate(() => {
        flushQueued = false;
        if (encoder && !ending && !encoder.destroyed) encoder.flush();
      });
    }
    return typeof encoding === 'function' ? encoder.write(chunk, encoding) : encoder.write(chunk, encoding ?? 'utf8', cb);
  } as ServerResponse['write'];

  res.end = function (this: ServerResponse, chunk?: Chunk | Callback, encoding?: BufferEncoding | Callback, cb?: Callback) {
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    if (!decided && !this.headersSent) start(byteLength(chunk, encoding as BufferEncoding | undefined));
    if (!encoder || ending) return end.call(this, chunk, encoding, cb);
    ending = true;
    if (!this.headersSent) writeHead.call(this, this.statusCode);
    if (cb) this.once('finish', cb);
    if (chunk !== undefined) encoder.end(chunk, (encoding as BufferEncoding | undefined) ?? 'utf8');
    else encoder.end();
    return this;
  } as ServerResponse['end'];
}
