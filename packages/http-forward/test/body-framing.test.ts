// The shared forwarder's one promise, checked on the bytes the next hop receives: a body leaves
// framed exactly as it came (chunked stays chunked for every method, a length stays that length,
// no framing means no body), and ambiguous framing is refused. http-proxy-3 broke this for DELETE
// and OPTIONS (`Content-Length: 0` with the chunked body still sent: request smuggling).
import assert from 'node:assert/strict';
import { Agent, createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { forwardHttp, requestFraming } from '../src/index.ts';
import { rawRequest } from './raw-request.ts';

describe('body framing through the forwarder', () => {
  const agent = new Agent({ keepAlive: true });
  /** Everything the next hop received, byte for byte, per connection. */
  const received: string[] = [];
  let upstream: ReturnType<typeof createTcpServer>;
  let proxy: Server;
  let port = 0;

  before(async () => {
    // A raw "next hop": records the bytes and answers the first request head it sees with a 204.
    upstream = createTcpServer((sock) => {
      const i = received.push('') - 1;
      let answered = false;
      sock.on('data', (d) => {
        received[i] += d.toString('latin1');
        if (!answered && received[i]!.includes('\r\n\r\n')) {
          answered = true;
          sock.write('HTTP/1.1 204 No Content\r\n\r\n');
        }
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const target = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    proxy = createServer((req, res) => forwardHttp(req, res, { target, agent, onError: () => res.destroy() }));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    port = (proxy.address() as AddressInfo).port;
  });
  after(() => {
    agent.destroy();
    proxy.close();
    upstream.close();
  });

  const lastReceived = () => received[received.length - 1]!;

  for (const method of ['DELETE', 'OPTIONS', 'GET', 'HEAD', 'POST']) {
    test(`${method}: a chunked body is forwarded chunked, with no Content-Length`, async () => {
      agent.destroy(); // one fresh upstream connection per case: its bytes are this request's alone
      const answer = await rawRequest(port, `${method} /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
      assert.match(answer, /^HTTP\/1\.1 204 /);
      const bytes = lastReceived();
      const head = bytes.slice(0, bytes.indexOf('\r\n\r\n')).toLowerCase();
      assert.match(head, new RegExp(`^${method.toLowerCase()} /x http/1.1`));
      assert.match(head, /\r\ntransfer-encoding: chunked(\r\n|$)/);
      assert.doesNotMatch(head, /content-length/);
      assert.ok(bytes.endsWith('\r\n\r\n5\r\nhello\r\n0\r\n\r\n'), JSON.stringify(bytes.slice(-40)));
    });
  }

  test('codings before chunked are kept: the body is still coded by them', async () => {
    agent.destroy();
    await rawRequest(port, 'POST /z HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    assert.match(lastReceived(), /\r\ntransfer-encoding: gzip, chunked\r\n/i);
    assert.ok(lastReceived().endsWith('\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
  });

  test('a Content-Length body keeps that length; no framing means no body', async () => {
    agent.destroy();
    await rawRequest(port, 'DELETE /len HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    const withLength = lastReceived();
    assert.match(withLength, /\r\ncontent-length: 5\r\n/i);
    assert.doesNotMatch(withLength, /transfer-encoding/i);
    assert.ok(withLength.endsWith('\r\n\r\nhello'));
    agent.destroy();
    await rawRequest(port, 'OPTIONS /none HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const none = lastReceived();
    assert.doesNotMatch(none, /transfer-encoding/i);
    assert.ok(none.endsWith('\r\n\r\n'));
  });

  test('ambiguous framing is refused', () => {
    assert.equal(requestFraming({ 'transfer-encoding': 'chunked', 'content-length': '5' }), null);
    assert.equal(requestFraming({ 'transfer-encoding': 'gzip' }), null);
    assert.equal(requestFraming({ 'transfer-encoding': 'chunked, gzip' }), null);
    assert.equal(requestFraming({ 'transfer-encoding': 'gzip, chunked' }), 'chunked');
    assert.equal(requestFraming({ 'content-length': '0' }), 'length');
    assert.equal(requestFraming({}), 'none');
  });
});
