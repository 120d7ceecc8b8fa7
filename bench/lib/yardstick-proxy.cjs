// The seed's stack as a yardstick: a minimal http-proxy 1.18 reverse proxy in its own process.
// Usage: node yardstick-proxy.cjs LISTEN_PORT TARGET_URL [keepalive]
// Without `keepalive` it runs as the seed did (no agent: a new upstream connection per request, and
// `Connection: close` to the client); with it, http-proxy gets a keep-alive agent, the fair match.
const http = require('node:http');
const httpProxy = require('http-proxy');

const [port, target, mode] = process.argv.slice(2);
const agent = mode === 'keepalive' ? new http.Agent({ keepAlive: true, maxSockets: 256 }) : undefined;
const proxy = httpProxy.createProxyServer({ target, agent });
proxy.on('error', (_err, _req, res) => {
  res.writeHead?.(502);
  res.end?.();
});
http.createServer((req, res) => proxy.web(req, res)).listen(Number(port), '127.0.0.1', () => console.log('ready'));
