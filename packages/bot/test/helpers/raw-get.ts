// A plain HTTP GET that keeps the raw (possibly compressed) body, and its decoding.
import assert from 'node:assert/strict';
import { type IncomingMessage, request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

export interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  raw: Buffer;
}

export function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
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

export function decode(a: Answer): Buffer {
  const enc = a.headers['content-encoding'];
  if (enc === 'br') return brotliDecompressSync(a.raw);
  if (enc === 'gzip') return gunzipSync(a.raw);
  assert.equal(enc, undefined);
  return a.raw;
}
