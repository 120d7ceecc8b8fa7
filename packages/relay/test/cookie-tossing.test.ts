// Regression for the security review's finding 3 (relay side): a hostile bot set
// `fluxy_session=EVIL; Domain=my.D`, and the browser then sent that cookie to every other bot on the
// relay first (Alice was signed out of her own bot after one visit). A bot's cookies now stay on
// its own host: a Domain attribute naming anything else is removed.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, registerBot, request, startBotServer, startRelay, type TestRelay } from './helpers.ts';

describe('a hostile bot on the relay', () => {
  let relay: TestRelay;
  let bot: Awaited<ReturnType<typeof startBotServer>>;
  before(async () => {
    relay = await startRelay();
    bot = await startBotServer((_req, res) => {
      res.setHeader('set-cookie', [
        'fluxy_session=EVIL; Domain=my.fluxy.test; Path=/; HttpOnly',
        'apex=1; Path=/; domain=.FLUXY.test',
        'own=1; Domain=abc.my.fluxy.test; Path=/',
        'dotted=1; Domain=.abc.my.fluxy.test',
        'sibling=1; Domain=alice.my.fluxy.test',
        'twice=1; Domain=abc.my.fluxy.test; Domain=my.fluxy.test',
        'plain=1; Path=/; Secure',
      ]);
      res.end('ok');
    });
    // And on its answer to a WebSocket upgrade, which browsers take cookies from too.
    bot.server.on('upgrade', (_req, socket) => {
      socket.end(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Set-Cookie: fluxy_session=EVIL; Domain=my.fluxy.test; Path=/\r\nSet-Cookie: own=1; Domain=abc.my.fluxy.test\r\n\r\n',
      );
    });
    await registerBot(relay.url, 'abc', bot.url);
  });
  after(async () => {
    await relay?.close();
    await bot?.close();
  });

  test("cookies a bot sets for a parent domain or another bot become host-only; its own host's stay", async () => {
    const res = await request(relay.url, { host: `abc.my.${DOMAIN}:443`, path: '/' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers['set-cookie'], [
      'fluxy_session=EVIL; Path=/; HttpOnly',
      'apex=1; Path=/',
      'own=1; Domain=abc.my.fluxy.test; Path=/',
      'dotted=1; Domain=.abc.my.fluxy.test',
      'sibling=1',
      'twice=1; Domain=abc.my.fluxy.test',
      'plain=1; Path=/; Secure',
    ]);
  });

  test('the same holds for the answer to a WebSocket upgrade', async () => {
    const port = Number(new URL(relay.url).port);
    const head = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      let out = '';
      s.on('data', (d) => {
        out += d.toString('latin1');
        if (out.includes('\r\n\r\n')) {
          s.destroy();
          resolve(out);
        }
      });
      s.on('error', reject);
      s.write(
        `GET /ws HTTP/1.1\r\nHost: abc.my.${DOMAIN}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
    });
    assert.match(head, /^HTTP\/1\.1 101 /);
    const cookies = head.split('\r\n').filter((l) => /^set-cookie:/i.test(l));
    assert.deepEqual(cookies, ['set-cookie: fluxy_session=EVIL; Path=/', 'set-cookie: own=1; Domain=abc.my.fluxy.test']);
  });
});
