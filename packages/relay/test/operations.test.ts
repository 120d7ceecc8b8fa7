import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { DOMAIN, registerBot, request, startRelay, type TestRelay } from './helpers.ts';
import { startTarget, type Target } from './target.ts';

let target: Target;
let r: TestRelay;
const host = `ops.my.${DOMAIN}`;

before(async () => {
  target = await startTarget();
  r = await startRelay({ idleTimeoutSeconds: 1, trustProxy: true });
  await registerBot(r.url, 'ops', target.url);
});
after(async () => {
  await r?.close();
  await target?.close();
});

test('an idle socket is closed after --idle-timeout', async () => {
  const { hostname, port } = new URL(r.url);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
    setTimeout(() => reject(new Error('idle socket still open after 10 s')), 10_000).unref();
  });
  assert.ok(Date.now() - started >= 900);
});

test('a stream longer than --idle-timeout is not cut while it is active', async () => {
  const events: string[] = [];
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const { hostname, port } = new URL(r.url);
    const req = httpRequest({ hostname, port, path: '/sse', headers: { host }, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (c.includes('data:')) events.push(c);
      });
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
    // One event every 600 ms: 1.8 s in all, each gap under the 1 s idle limit.
    let sent = 0;
    const timer = setInterval(() => {
      target.nextEvent();
      if (++sent === 3) clearInterval(timer);
    }, 600);
  });
  assert.equal(events.length, 3);
  assert.ok(Date.now() - started > 1500);
});

test('--trust-proxy: the balancer’s X-Forwarded-* are kept and the peer appended', async () => {
  await request(r.url, { host, headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } });
  const seen = target.seen.at(-1)!;
  assert.equal(seen.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers['x-forwarded-host'], host);
});
