import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { api, DOMAIN, registerBot, request, startRelay, type TestRelay } from './helpers.ts';
import { startTarget, type Target } from './target.ts';

/** Streams `total` bytes in `chunkSize` pieces; resolves with the target's answer. */
function upload(base: string, host: string, total: number, chunked: boolean): Promise<{ sent: string; reply: { sha256: string; bytes: number; chunked: boolean } }> {
  const url = new URL('/sha256', base);
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent: false, headers: { host, 'content-type': 'application/octet-stream', ...(chunked ? {} : { 'content-length': String(total) }) } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          try {
            resolve({ sent: hash.digest('hex'), reply: JSON.parse(body) });
          } catch (err) {
            reject(new Error(`status ${res.statusCode}: ${body.slice(0, 200)} (${err})`));
          }
        });
      },
    );
    req.on('error', reject);
    let left = total;
    const chunkSize = chunked ? 64 * 1024 : 1024 * 1024;
    const pump = () => {
      while (left > 0) {
        const piece = randomBytes(Math.min(chunkSize, left));
        left -= piece.length;
        hash.update(piece);
        // Chunked: yield between pieces so they really go out one by one.
        if (chunked) {
          req.write(piece);
          if (left > 0) return void setImmediate(pump);
        } else if (!req.write(piece)) {
          return void req.once('drain', pump);
        }
      }
      req.end();
    };
    pump();
  });
}

/** Acceptance 1 of the relay issue, against whichever database `db()` gives. */
export function proxySuite(kind: string, db: () => Promise<string>): void {
  let target: Target;
  let r: TestRelay;
  const host = `bruno.my.${DOMAIN}`;

  before(async () => {
    target = await startTarget();
    r = await startRelay({ db: await db() });
    await registerBot(r.url, 'bruno', target.url);
  });
  after(async () => {
    await r?.close();
    await target?.close();
  });

  test(`${kind}: GET is proxied by Host with X-Forwarded-* and the response headers come back`, async () => {
    const res = await request(r.url, { path: '/some/path?q=1', host, headers: { 'x-custom': 'yes' } });
    assert.equal(res.status, 200);
    const echo = res.json();
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, '/some/path?q=1');
    assert.equal(echo.headers['x-custom'], 'yes');
    assert.equal(echo.headers['x-forwarded-host'], host);
    assert.equal(echo.headers['x-forwarded-proto'], 'http');
    assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
    // The tunnel is reached by its own name (a Cloudflare tunnel routes by Host).
    assert.equal(echo.headers.host, new URL(target.url).host);
    assert.deepEqual(res.headers['set-cookie'], ['a=1; Path=/']);
  });

  test(`${kind}: the path reaches the bot byte for byte; absolute-form targets are refused`, async () => {
    const path = '/a/../b%2E/%5c//c?x=1&y=%20';
    assert.equal((await request(r.url, { path, host })).status, 200);
    assert.equal(target.seen.at(-1)?.url, path);
    const abs = await request(r.url, { path: 'http://169.254.169.254/latest', host });
    assert.equal(abs.status, 400);
    assert.notEqual(target.seen.at(-1)?.url, 'http://169.254.169.254/latest');
  });

  test(`${kind}: a 50 MB POST body arrives whole (SHA-256 matches)`, async () => {
    const { sent, reply } = await upload(r.url, host, 50 * 1024 * 1024, false);
    assert.equal(reply.bytes, 50 * 1024 * 1024);
    assert.equal(reply.sha256, sent);
  });

  test(`${kind}: a chunked upload arrives whole and still chunked`, async () => {
    const { sent, reply } = await upload(r.url, host, 3 * 1024 * 1024 + 123, true);
    assert.equal(reply.bytes, 3 * 1024 * 1024 + 123);
    assert.equal(reply.sha256, sent);
    assert.equal(reply.chunked, true);
  });

  test(`${kind}: server-sent events arrive one by one, unbuffered`, async () => {
    const url = new URL('/sse', r.url);
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(url, { agent: false, headers: { host, accept: 'text/event-stream' } }, (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /text\/event-stream/);
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i = buf.indexOf('\n\n');
          while (i !== -1) {
            events.push(buf.slice(0, i));
            buf = buf.slice(i + 2);
            i = buf.indexOf('\n\n');
            // The target sends the next event only now: had the relay held event n back,
            // event n+1 would never be sent and this test would time out.
            target.nextEvent();
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
      target.nextEvent();
    });
    assert.deepEqual(events, ['id: 1\ndata: event 1', 'id: 2\ndata: event 2', 'id: 3\ndata: event 3']);
  });

  test(`${kind}: a WebSocket echoes through the relay`, async () => {
    const ws = new WebSocket(`${r.url.replace('http', 'ws')}/chat/ws`, { headers: { host } });
    const messages: string[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (d) => {
      messages.push(d.toString());
      for (const w of waiters.splice(0)) w();
    });
    const got = (n: number): Promise<void> =>
      messages.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(() => resolve(got(n))));
    const hello = got(1);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await hello;
    const greeting = JSON.parse(messages[0]!);
    assert.equal(greeting.hello, '/chat/ws');
    assert.equal(greeting.xfh, host);
    const echoed = got(3);
    ws.send('ping 1');
    ws.send(Buffer.from('ping 2'));
    await echoed;
    assert.deepEqual(messages.slice(1), ['ping 1', 'ping 2']);
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
  });

  test(`${kind}: path shortcuts redirect to the subdomain (free and premium)`, async () => {
    const free = await request(r.url, { path: '/bruno/x?y=1', host: `my.${DOMAIN}` });
    assert.equal(free.status, 302);
    assert.equal(free.headers.location, `https://bruno.my.${DOMAIN}/x?y=1`);
    const premium = await request(r.url, { path: '/bruno', host: DOMAIN });
    assert.equal(premium.status, 302);
    assert.equal(premium.headers.location, `https://bruno.${DOMAIN}/`);
  });

  test(`${kind}: the same name on the premium tier is its own bot`, async () => {
    await r.relay.store.grant('bruno', Date.now());
    const other = await startTarget();
    try {
      await registerBot(r.url, 'bruno', other.url, 'premium');
      const res = await request(r.url, { path: '/p', host: `bruno.${DOMAIN}` });
      assert.equal(res.status, 200);
      assert.equal(other.seen.at(-1)?.url, '/p');
      assert.equal(target.seen.at(-1)?.url === '/p', false);
      const avail = await api(r.url, 'GET', '/api/handles/bruno?tier=premium');
      assert.deepEqual(avail.json(), { available: false, reason: 'taken', host: `bruno.${DOMAIN}` });
    } finally {
      await other.close();
    }
  });
}
