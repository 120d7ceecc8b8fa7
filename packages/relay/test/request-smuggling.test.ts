// Regression for the security review's finding 1, relay side: whatever the method, a chunked body
// reaches the bot chunked and a Content-Length body with that length, so a body can never become a
// second request on the pooled keep-alive socket to the bot (http-proxy-3 sent DELETE and OPTIONS
// bodies behind `Content-Length: 0`). The end-to-end case, relay + real bot, is in
// packages/bot/test/request-smuggling.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, registerBot, startRelay, type TestRelay } from './helpers.ts';
import { startTarget, type Target } from './target.ts';
import { rawRequest } from '../../http-forward/test/raw-request.ts';

/** The relay's port from its URL. */
const portOf = (url: string) => Number(new URL(url).port);

describe('request framing through the relay', () => {
  let relay: TestRelay;
  let target: Target;
  const host = `framed.my.${DOMAIN}`;
  before(async () => {
    relay = await startRelay();
    target = await startTarget();
    await registerBot(relay.url, 'framed', target.url);
  });
  after(async () => {
    await relay?.close();
    await target?.close();
  });

  for (const method of ['DELETE', 'OPTIONS', 'GET', 'POST', 'PUT']) {
    test(`${method} with a chunked body reaches the bot chunked, as one request`, async () => {
      const inner = `POST /smuggled-${method} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\n\r\n`;
      const body = `${Buffer.byteLength(inner).toString(16)}\r\n${inner}\r\n0\r\n\r\n`;
      const before = target.seen.length;
      const answer = await rawRequest(portOf(relay.url), `${method} /sha256 HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}`);
      // The answer comes chunked (the bot sent no length): its one chunk is the JSON.
      const json = JSON.parse(/\{.*\}/s.exec(answer)?.[0] ?? 'null') as { bytes: number; chunked: boolean };
      assert.equal(json.bytes, Buffer.byteLength(inner));
      assert.equal(json.chunked, true);
      // The next request on the pooled socket is the next real one.
      await rawRequest(portOf(relay.url), `GET /after-${method} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.deepEqual(target.seen.slice(before).map((r) => `${r.method} ${r.url}`), [`${method} /sha256`, `GET /after-${method}`]);
      assert.equal(target.seen[before]!.headers['content-length'], undefined);
    });
  }

  test('a Content-Length body is forwarded with that length, for DELETE too', async () => {
    const before = target.seen.length;
    const answer = await rawRequest(portOf(relay.url), `DELETE /echo HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`);
    assert.match(answer, /^HTTP\/1\.1 200 /);
    const seen = target.seen[before]!;
    assert.equal(seen.headers['content-length'], '5');
    assert.equal(seen.headers['transfer-encoding'], undefined);
    assert.match(answer, /"body":"hello"/);
  });

  test('ambiguous framing is refused before it reaches the bot', async () => {
    const before = target.seen.length;
    const answer = await rawRequest(portOf(relay.url), `DELETE /echo HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal(target.seen.length, before);
  });
});
