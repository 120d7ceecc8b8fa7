// Regressions from the relay's security review: a bot's malformed answer must not kill a worker,
// a chunked GET body must not become a second request on a pooled connection, a tunnel URL that
// leads back to the relay must not loop, and a client reset during a lookup must not leak a slot.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, registerBot, startRelay, type TestRelay } from './helpers.ts';
import { spawnRelay } from './spawn-relay.ts';
import { startTarget, type Target } from './target.ts';

function raw(url: string, data: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port) });
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', (err) => (out ? resolve(out) : reject(err)));
    s.on('close', () => resolve(out));
    s.write(data);
    setTimeout(() => s.end(), 1500).unref();
  });
}

describe('hostile bots and clients', () => {
  let relay: TestRelay;
  let target: Target;
  let evil: string;
  before(async () => {
    relay = await startRelay({ maxConcurrentPerHandle: 2 });
    target = await startTarget();
    // A "tunnel" that answers with what no HTTP server should send.
    const tcp = createTcpServer((sock) => {
      sock.once('data', (d) => {
        const path = d.toString().split(' ')[1];
        if (path === '/status-000') sock.end('HTTP/1.1 000 Nope\r\nContent-Length: 0\r\n\r\n');
        else if (path === '/bad-reason') sock.end('HTTP/1.1 200 O\x7fK\r\nContent-Length: 2\r\n\r\nok');
        else sock.end('HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    after(() => tcp.close());
    evil = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    await registerBot(relay.url, 'evil', evil);
    await registerBot(relay.url, 'good', target.url);
  });
  after(async () => {
    await relay?.close();
    await target?.close();
  });

  test("a bot's invalid status line or header is a 502, and the relay process lives on", async (t) => {
    // The real command in its own process: a throw there is a dead worker, not a caught test error.
    const dir = mkdtempSync(join(tmpdir(), 'fluxy-relay-hostile-'));
    const spawned = await spawnRelay(['--domain', DOMAIN, '--db', join(dir, 'r.db'), '--allow-private-targets', '--workers', '1']);
    t.after(async () => {
      await spawned.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    await registerBot(spawned.url, 'evil', evil);
    await registerBot(spawned.url, 'good', target.url);
    for (const path of ['/status-000', '/bad-reason', '/bad-header']) {
      const res = await raw(spawned.url, `GET ${path} HTTP/1.1\r\nHost: evil.my.${DOMAIN}\r\nConnection: close\r\n\r\n`);
      assert.match(res, /^HTTP\/1\.1 502 /, `${path}: ${res.slice(0, 60)}`);
    }
    const ok = await raw(spawned.url, `GET /fine HTTP/1.1\r\nHost: good.my.${DOMAIN}\r\nConnection: close\r\n\r\n`);
    assert.match(ok, /^HTTP\/1\.1 200 /);
    assert.equal(spawned.proc.exitCode, null, 'still running');
  });

  test('a chunked body on a GET reaches the bot as a body, never as a second request', async () => {
    const smuggled = `GET /smuggled HTTP/1.1\r\nHost: good.my.${DOMAIN}\r\n\r\n`;
    const body = `${Buffer.byteLength(smuggled).toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
    const before = target.seen.length;
    await raw(relay.url, `GET /first HTTP/1.1\r\nHost: good.my.${DOMAIN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}`);
    // The next request on the same pooled upstream socket must be the next real request.
    await raw(relay.url, `GET /second HTTP/1.1\r\nHost: good.my.${DOMAIN}\r\nConnection: close\r\n\r\n`);
    const paths = target.seen.slice(before).map((r) => r.url);
    assert.deepEqual(paths, ['/first', '/second']);
  });

  test('a tunnel URL that leads back to the relay is refused as a loop', async () => {
    const port = new URL(relay.url).port;
    await registerBot(relay.url, 'loopy', `http://loopy.my.${DOMAIN}:${port}`).catch(() => undefined);
    const res = await raw(relay.url, `GET / HTTP/1.1\r\nHost: good.my.${DOMAIN}\r\nVia: 1.1 fluxy-relay\r\nConnection: close\r\n\r\n`);
    assert.match(res, /^HTTP\/1\.1 508 /);
  });

  test('clients that reset during a lookup do not use up the per-handle cap', async () => {
    // Each connection is destroyed right after its request is written, before the answer.
    for (let i = 0; i < 6; i++) {
      const { hostname, port } = new URL(relay.url);
      const s = connect({ host: hostname, port: Number(port) });
      await new Promise<void>((r) => s.once('connect', () => r()));
      s.write(`GET /slow-${i} HTTP/1.1\r\nHost: good.my.${DOMAIN}\r\n\r\n`);
      s.resetAndDestroy();
    }
    const res = await raw(relay.url, `GET /after HTTP/1.1\r\nHost: good.my.${DOMAIN}\r\nConnection: close\r\n\r\n`);
    assert.match(res, /^HTTP\/1\.1 200 /, 'the cap of 2 is free again');
  });
});
