#!/usr/bin/env node
// A stand-in for cloudflared at the network edge (tests copy it into a temp directory and name it
// in FLUXY_CLOUDFLARED). Like `cloudflared tunnel --url ORIGIN --metrics ADDR`, it prints its
// banner and the public URL in a box on stderr, serves /ready on the metrics address, and forwards
// the "public URL" (here an http URL on loopback) to the origin, adding Cf-Connecting-IP,
// X-Forwarded-For and X-Forwarded-Proto the way Cloudflare's edge does. Each instance appends
// {pid, url, metrics, args} to instances.jsonl next to this file. Signals make it misbehave:
// SIGUSR1 loses the edge connection (/ready 503, the URL answers 530), SIGUSR2 hangs (nothing answers).
// A file `rate-limited` next to it makes it fail the way cloudflared does when Cloudflare answers 429;
// a file `never-ready` makes it print its URL but never get an edge connection.
import { appendFileSync, existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const origin = new URL(flag('--url') ?? 'http://localhost:8080');
const [metricsHost, metricsPort] = (flag('--metrics') ?? '127.0.0.1:0').split(':');
const here = dirname(fileURLToPath(import.meta.url));
let mode = existsSync(join(here, 'never-ready')) ? 'lost' : 'up';
const held = new Set();

const log = (level, msg) => process.stderr.write(`${new Date().toISOString()} ${level} ${msg}\n`);

function edgeHeaders(req) {
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const h = { ...req.headers };
  h['cf-connecting-ip'] = peer;
  h['x-forwarded-for'] = h['x-forwarded-for'] ? `${h['x-forwarded-for']}, ${peer}` : peer;
  h['x-forwarded-proto'] = 'http';
  h['cf-ray'] = 'fake-ray';
  return h;
}

const edge = createServer((req, res) => {
  if (mode === 'hang') return void held.add(res);
  if (mode === 'lost') {
    res.writeHead(530, { 'content-type': 'text/plain' });
    return void res.end('error code: 1033');
  }
  const up = request({ host: origin.hostname, port: origin.port, method: req.method, path: req.url, headers: edgeHeaders(req) }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.rawHeaders);
    r.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('origin unreachable');
  });
  req.pipe(up);
});
edge.on('upgrade', (req, socket, head) => {
  if (mode !== 'up') return void socket.destroy();
  const target = connect(Number(origin.port), origin.hostname, () => {
    const headers = edgeHeaders(req);
    let head1 = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) for (const one of [v].flat()) head1 += `${k}: ${one}\r\n`;
    target.write(`${head1}\r\n`);
    if (head.length) target.write(head);
    target.pipe(socket);
    socket.pipe(target);
  });
  target.on('error', () => socket.destroy());
  socket.on('error', () => target.destroy());
});

const metrics = createServer((req, res) => {
  if (mode === 'hang') return void held.add(res);
  if (req.url === '/ready') {
    const ok = mode === 'up';
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ status: ok ? 200 : 503, readyConnections: ok ? 4 : 0, connectorId: 'fake' }));
  }
  res.writeHead(404);
  res.end();
});

process.on('SIGUSR1', () => {
  mode = 'lost';
  log('ERR', 'Connection terminated error="context canceled" connIndex=0');
});
process.on('SIGUSR2', () => {
  mode = 'hang';
});
process.on('SIGTERM', () => {
  log('INF', 'Initiating graceful shutdown due to signal terminated ...');
  process.exit(0);
});

if (existsSync(join(here, 'rate-limited'))) {
  log('INF', 'Requesting new quick Tunnel on trycloudflare.com...');
  log('ERR', 'Error unmarshaling QuickTunnel response: error="invalid character \'e\' looking for beginning of value" status_code="429 Too Many Requests"');
  log('ERR', 'failed to unmarshal quick Tunnel: invalid character \'e\' looking for beginning of value');
  process.exit(1);
}
log('INF', 'Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out.');
log('INF', 'Requesting new quick Tunnel on trycloudflare.com...');
metrics.listen(Number(metricsPort), metricsHost, () => {
  edge.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${edge.address().port}`;
    const line = `|  ${url}`.padEnd(91);
    log('INF', '+--------------------------------------------------------------------------------------------+');
    log('INF', '|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |');
    log('INF', `${line} |`);
    log('INF', '+--------------------------------------------------------------------------------------------+');
    log('INF', `Settings: map[ha-connections:1 metrics:${metricsHost}:${metricsPort} no-autoupdate:true url:${origin.href}]`);
    log('INF', `Starting metrics server on ${metricsHost}:${metrics.address().port}/metrics`);
    log('INF', 'Registered tunnel connection connIndex=0 connection=fake event=0 ip=198.41.200.13 location=fra01 protocol=quic');
    appendFileSync(join(here, 'instances.jsonl'), `${JSON.stringify({ pid: process.pid, url, metrics: `http://${metricsHost}:${metrics.address().port}`, args })}\n`);
  });
});
