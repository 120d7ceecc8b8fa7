// The seed's stack as a yardstick: a minimal http-proxy 1.18 reverse proxy in its own process.
// Usage: node yardstick-proxy.cjs LISTEN_PORT TARGET_URL
const http = require('node:http');
const httpProxy = require('http-proxy');

const [port, target] = process.argv.slice(2);
const proxy = httpProxy.createProxyServer({ target });
proxy.on('error', (_err, _req, res) => {
  res.writeHead?.(502);
  res.end?.();
});
http.createServer((req, res) => proxy.web(req, res)).listen(Number(port), '127.0.0.1', () => console.log('ready'));
