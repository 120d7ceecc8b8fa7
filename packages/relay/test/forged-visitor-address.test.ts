// Regression for the security review's finding 9 (relay side): the relay passed a client's own
// `Cf-Connecting-IP` on to the bot, where it could pass for the visitor's address. Only the
// X-Forwarded-For the relay writes names the visitor.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, test } from 'node:test';
import { signVisitor, verifyVisitor, visitorKey, VISITOR_HEADER } from '@fluxy/http-forward/visitor';
import { DOMAIN, registerBot, request, startBotServer, startRelay, type TestRelay } from './helpers.ts';

let relay: TestRelay;
let bot: Awaited<ReturnType<typeof startBotServer>>;
let seen: IncomingHttpHeaders = {};
let token: string;
before(async () => {
  relay = await startRelay();
  bot = await startBotServer((req, res) => {
    seen = req.headers;
    res.end('ok');
  });
  token = await registerBot(relay.url, 'abc', bot.url);
});
after(async () => {
  await relay?.close();
  await bot?.close();
});

test("a client's own Cf-Connecting-IP and similar visitor-address headers never reach the bot", async () => {
  await request(relay.url, {
    host: `abc.my.${DOMAIN}`,
    path: '/',
    headers: { 'cf-connecting-ip': '6.6.6.6', 'true-client-ip': '6.6.6.6', 'x-real-ip': '6.6.6.6', forwarded: 'for=6.6.6.6', 'x-client-ip': '6.6.6.6' },
  });
  for (const h of ['cf-connecting-ip', 'true-client-ip', 'x-real-ip', 'forwarded', 'x-client-ip']) assert.equal(seen[h], undefined, h);
  assert.equal(seen['x-forwarded-for'], '127.0.0.1');
});

test('the visitor address goes signed with the bot\'s token hash; a client\'s own copy is replaced', async () => {
  // A forgery signed with some other key, as a visitor going around the relay would have to.
  const forged = signVisitor(visitorKey('fxr_not-the-token'), '6.6.6.6');
  await request(relay.url, { host: `abc.my.${DOMAIN}`, path: '/', headers: { [VISITOR_HEADER]: forged } });
  const header = seen[VISITOR_HEADER];
  assert.notEqual(header, forged);
  assert.equal(verifyVisitor(visitorKey(token), header), '127.0.0.1', 'the bot, holding the token, reads the visitor');
  assert.equal(verifyVisitor(visitorKey('fxr_other'), header), undefined, 'no other key verifies it');
  assert.equal(verifyVisitor(visitorKey(token), header, Date.now() + 10 * 60_000), undefined, 'an old signature is refused');
});
