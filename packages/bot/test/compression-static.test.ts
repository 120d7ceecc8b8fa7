// The supervisor's static files with compression around them: precompressed siblings, fresh
// compression without one, caching headers for hashed assets and pages.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { compressResponse } from '../src/supervisor/compress.ts';
import { createStaticHandler } from '../src/supervisor/static.ts';
import { decode, get } from './helpers/raw-get.ts';

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
