import { createReadStream, type Stats, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { errorBody, isErrno } from '../shared/errors.ts';
import { isCompressible, precompressedSibling } from './compress.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

function statFile(path: string): Stats | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? s : undefined;
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG')) return undefined;
    throw err;
  }
}

/**
 * Serves the pre-built chat app from one directory: `/fluxy/` is index.html, `/fluxy/login` is
 * login.html. Content-hashed assets (under assets/) are cached for a year, everything else
 * revalidates, so a new Fluxy release is picked up on the next load.
 */
export function createStaticHandler(root: string) {
  const base = resolve(root);
  return (req: IncomingMessage, res: ServerResponse, file: string): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'application/json' });
      res.end(errorBody('method_not_allowed', 'Static files are read-only.'));
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(file);
    } catch {
      name = '';
    }
    const candidates = name === '' || name.endsWith('/') ? [`${name}index.html`] : [name, `${name}.html`];
    for (const candidate of candidates) {
      const full = resolve(join(base, candidate));
      if (!full.startsWith(base + sep)) break;
      const stat = statFile(full);
      if (!stat) continue;
      const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
      const immutable = candidate.startsWith('assets/');
      const type = TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream';
      const pre = isCompressible(type) ? precompressedSibling(req.headers['accept-encoding'], full, stat.mtimeMs) : undefined;
      const headers: Record<string, string> = {
        'Content-Type': type,
        ...(pre ? { 'Content-Encoding': pre.encoding, Vary: 'Accept-Encoding' } : {}),
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        ETag: etag,
        'X-Content-Type-Options': 'nosniff',
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      headers['Content-Length'] = String(pre?.size ?? stat.size);
      res.writeHead(200, headers);
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(pre?.path ?? full)
        .on('error', () => res.destroy())
        .pipe(res);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(errorBody('not_found', `No file /fluxy/${file}.`));
  };
}
