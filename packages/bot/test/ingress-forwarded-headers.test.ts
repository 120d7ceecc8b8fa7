// The tunnel ingress (N+3) serves what the base port serves, and only there are the forwarded
// scheme and host believed: the session cookie is `__Host-`/Secure for a visitor who came over
// https, and the cookie-write and WebSocket Origin checks compare with the forwarded host.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { type Instance, startInstance } from './helpers/instance.ts';
import { request } from './helpers/public-access.ts';

let bot: Instance;
let ingress: string;
before(async () => {
  bot = await startInstance();
  ingress = `http://127.0.0.1:${bot.port + 3}`;
});
after(async () => {
  await bot?.stop();
});

const PUBLIC = { 'x-forwarded-host': 'ana.my.fluxy.test', 'x-forwarded-proto': 'https' };
const login = (base: string, headers: Record<string, string> = {}) =>
  request(base, { method: 'POST', path: '/api/portal/login', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ password: 'pw' }) });

test('N+3 serves what N serves', async () => {
  for (const base of [bot.url, ingress]) {
    assert.equal((await request(base, { path: '/api/health' })).status, 200);
    const page = await request(base, { path: '/', headers: { accept: 'text/html' } });
    assert.equal(page.status, 302);
    assert.equal((await request(base, { path: '/fluxy/widget.js' })).status, 200);
  }
});

test('the session cookie is __Host- and Secure for an https visitor at N+3 only', async () => {
  const secure = await login(ingress, PUBLIC);
  assert.equal(secure.status, 200);
  assert.match(String(secure.headers['set-cookie']?.[0]), /^__Host-fluxy_session=.*; Secure/);
  const plain = await login(bot.url, PUBLIC);
  assert.match(String(plain.headers['set-cookie']?.[0]), /^fluxy_session=/, 'the base port does not believe the header');
  assert.doesNotMatch(String(plain.headers['set-cookie']?.[0]), /Secure/);
});

test('cookie writes and the WebSocket compare Origin with the forwarded host at N+3', async () => {
  const token = await bot.login();
  const cookie = `fluxy_session=${token}`;
  const write = (base: string, origin: string) =>
    request(base, { method: 'POST', path: '/api/conversations', headers: { ...PUBLIC, cookie, origin, 'content-type': 'application/json' }, body: '{}' });
  assert.equal((await write(ingress, 'https://ana.my.fluxy.test')).status, 201, 'the public page may write through the tunnel');
  assert.equal((await write(ingress, 'https://eve.my.fluxy.test')).status, 403);
  assert.equal((await write(bot.url, 'https://ana.my.fluxy.test')).status, 403, 'on N the forwarded host is not believed');

  const upgrade = (base: string, origin: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/fluxy/ws`, { headers: { ...PUBLIC, cookie, origin } });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
  assert.equal(await upgrade(ingress, 'https://ana.my.fluxy.test'), 101);
  assert.equal(await upgrade(ingress, 'https://eve.my.fluxy.test'), 403);
  assert.equal(await upgrade(bot.url, 'https://ana.my.fluxy.test'), 403);
});
