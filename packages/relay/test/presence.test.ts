import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { api, DOMAIN, registerBot, request, startRelay, type TestRelay, waitFor } from './helpers.ts';
import { startTarget, type Target } from './target.ts';

let target: Target;
let r: TestRelay;
let token: string;
const host = `ada.my.${DOMAIN}`;

before(async () => {
  target = await startTarget();
  r = await startRelay({ staleAfterSeconds: 1 });
  token = await registerBot(r.url, 'ada', target.url);
});
after(async () => {
  await r?.close();
  await target?.close();
});

test('no heartbeat for --stale-after: the 503 page with its 15 s reload; heartbeat again: served', async () => {
  assert.equal((await request(r.url, { host })).status, 200);
  const stale = await waitFor('the bot to go stale', async () => {
    const res = await request(r.url, { host });
    return res.status === 503 ? res : undefined;
  }, 10_000);
  assert.match(String(stale.headers['content-type']), /text\/html/);
  assert.match(stale.text, /<meta http-equiv="refresh" content="15">/);
  assert.match(stale.text, /ada/);
  assert.match(stale.text, /Fluxy/);
  assert.equal(stale.headers['retry-after'], '15');
  assert.equal(stale.headers['cache-control'], 'no-store');

  const hb = await api(r.url, 'POST', '/api/heartbeat', {}, token);
  assert.equal(hb.status, 200);
  assert.equal(hb.json().online, true);
  assert.equal((await request(r.url, { host })).status, 200);
});

test('disconnect: offline at once, for pages and WebSockets; a tunnel update brings it back', async () => {
  await api(r.url, 'POST', '/api/heartbeat', {}, token);
  assert.equal((await request(r.url, { host })).status, 200);
  const dc = await api(r.url, 'POST', '/api/disconnect', undefined, token);
  assert.equal(dc.status, 200);
  assert.equal(dc.json().online, false);
  const res = await request(r.url, { host });
  assert.equal(res.status, 503);
  assert.match(res.text, /refresh" content="15"/);

  const ws = new WebSocket(`${r.url.replace('http', 'ws')}/x`, { headers: { host } });
  const status = await new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, resp) => resolve(resp.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
  assert.equal(status, 503);

  assert.equal((await api(r.url, 'PUT', '/api/tunnel', { tunnelUrl: target.url }, token)).status, 200);
  assert.equal((await request(r.url, { host })).status, 200);
});

test('a heartbeat can move the tunnel', async () => {
  const other = await startTarget();
  try {
    const hb = await api(r.url, 'POST', '/api/heartbeat', { tunnelUrl: other.url }, token);
    assert.equal(hb.status, 200);
    assert.equal(hb.json().tunnelUrl, other.url);
    await request(r.url, { host, path: '/moved' });
    assert.equal(other.seen.at(-1)?.url, '/moved');
  } finally {
    await api(r.url, 'PUT', '/api/tunnel', { tunnelUrl: target.url }, token);
    await other.close();
  }
});

test('unknown handle: the 404 page, also for premium and WebSockets', async () => {
  for (const h of [`nobody.my.${DOMAIN}`, `nobody.${DOMAIN}`]) {
    const res = await request(r.url, { host: h });
    assert.equal(res.status, 404);
    assert.match(res.text, /nobody/);
    assert.match(String(res.headers['content-type']), /text\/html/);
  }
  const ws = new WebSocket(`${r.url.replace('http', 'ws')}/`, { headers: { host: `nobody.my.${DOMAIN}` } });
  const status = await new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, resp) => resolve(resp.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
  assert.equal(status, 404);
});

test('a registered bot with no tunnel yet is offline, and an unreachable tunnel is a 502 page', async () => {
  const reg = await api(r.url, 'POST', '/api/register', { username: 'notyet', tier: 'free' });
  assert.equal(reg.status, 201);
  assert.equal((await request(r.url, { host: `notyet.my.${DOMAIN}` })).status, 503);
  // Port 9 (discard) on loopback: nothing listens there.
  assert.equal((await api(r.url, 'PUT', '/api/tunnel', { tunnelUrl: 'http://127.0.0.1:9' }, reg.json().token)).status, 200);
  const res = await request(r.url, { host: `notyet.my.${DOMAIN}` });
  assert.equal(res.status, 502);
  assert.match(res.text, /notyet/);
});
