// The benchmark's "bot": a minimal HTTP server answering every request with a small body. Run as
// its own process so that it does not share an event loop with the load generator or a proxy.
import { createServer } from 'node:http';

const body = Buffer.from('hello from the target\n');
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
// Long keep-alive so that no proxy's upstream pool is churned by the target closing idle sockets.
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: a.port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
