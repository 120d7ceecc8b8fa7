// The yardstick: the seed's stack, a single-process `http-proxy` 1.18 reverse proxy, given a
// keep-alive agent (its best case; without one it opens a connection per request).
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';

const target = process.argv[2];
if (!target) throw new Error('usage: http-proxy-server.ts TARGET_URL');
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target, agent, xfwd: true });
proxy.on('error', (_err, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502);
  res.end();
});
const server = createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: a.port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
