import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/logger.ts';
import type { RelayOptions } from '../src/options.ts';
import { createRelay, type Relay } from '../src/relay.ts';

export { waitFor } from '../../http-forward/test/wait-for.ts';

export const DOMAIN = 'fluxy.test';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience
  json(): any;
}

/** One HTTP request with any Host header (fetch would not let us set it). */
export function request(
  base: string,
  opts: { method?: string; path?: string; host?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  // The path is passed as-is: `new URL()` would normalise `..` and escapes before we send them.
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname,
        port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** JSON call to the relay's API on its own address. */
export function api(base: string, method: string, path: string, body?: unknown, token?: string): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  return request(base, { method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}


export interface TestRelay {
  relay: Relay;
  url: string;
  logs: string[];
  dir: string;
  close(): Promise<void>;
}

/** A relay in this process on 127.0.0.1:0 with private targets allowed unless said otherwise. */
export async function startRelay(options: Partial<RelayOptions> = {}): Promise<TestRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'fluxy-relay-test-'));
  const logs: string[] = [];
  const relay = await createRelay({
    domain: DOMAIN,
    db: join(dir, 'relay.db'),
    allowPrivateTargets: true,
    scheme: 'https',
    registerLimit: { max: 1000, windowSeconds: 60 },
    availabilityLimit: { max: 1000, windowSeconds: 60 },
    renameLimit: { max: 1000, windowSeconds: 60 },
    badTokenLimit: { max: 1000, windowSeconds: 60 },
    logger: createLogger('debug', {}, (line) => logs.push(line)),
    ...options,
  });
  const url = await relay.listen(0);
  return {
    relay,
    url,
    logs,
    dir,
    async close() {
      await relay.close(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Registers `name` and points it at `tunnelUrl`; returns the token. */
export async function registerBot(base: string, name: string, tunnelUrl: string, tier: 'free' | 'premium' = 'free'): Promise<string> {
  const reg = await api(base, 'POST', '/api/register', { username: name, tier });
  if (reg.status !== 201) throw new Error(`register ${name}: ${reg.status} ${reg.text}`);
  const token = reg.json().token as string;
  const put = await api(base, 'PUT', '/api/tunnel', { tunnelUrl }, token);
  if (put.status !== 200) throw new Error(`tunnel ${name}: ${put.status} ${put.text}`);
  return token;
}

/** A plain HTTP server standing in for a bot behind its tunnel (a hostile one, in the security tests). */
export async function startBotServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
