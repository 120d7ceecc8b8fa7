// Hostile and broken input: each gets the contract's error, and the bot lives on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { signedInBot } from './helpers/signed-in-bot.ts';
import { rawRequest, statusOf } from './helpers/raw-http.ts';

type ServerFrame = { type: string; code?: string; message?: string; clientMessageId?: string };

function openSocket(url: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextFrame(ws: WebSocket): Promise<ServerFrame> {
  return new Promise((resolve, reject) => {
    ws.once('message', (d) => resolve(JSON.parse(d.toString()) as ServerFrame));
    ws.once('close', (code) => reject(new Error(`closed with ${code}`)));
  });
}

describe('bad input', () => {
  const bot = signedInBot();

  const json = (body: string | Buffer) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    token: bot.token,
  });

  test('malformed JSON body is 400 bad_json', async () => {
    const res = await bot.fetch('/api/conversations', json('{"title": '));
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'bad_json');
  });

  test('wrong fields are 400 bad_request naming the field', async () => {
    const res = await bot.fetch('/api/conversations', json(JSON.stringify({ title: 42 })));
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'bad_request');
    assert.match(body.error.message, /title/);
  });

  test('an oversized body is a clear 413', async () => {
    const res = await bot.fetch('/api/conversations', json(JSON.stringify({ title: 'x'.repeat(3 * 1024 * 1024) })));
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'body_too_large');
  });

  test('unknown routes are JSON 404s', async () => {
    const res = await bot.fetch('/api/no-such-thing', { token: bot.token });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'not_found');
    const missing = await bot.fetch('/fluxy/no-such-file.js');
    assert.equal(missing.status, 404);
  });

  test('an expired session is refused', async () => {
    const fresh = await bot.login();
    const db = new Database(`${bot.home}/memory.db`);
    db.prepare('UPDATE sessions SET expires_at = ?').run(Date.now() - 1000);
    db.close();
    assert.equal((await bot.fetch('/api/conversations', { token: fresh })).status, 401);
    bot.token = await bot.login();
  });

  test('the database holds no raw session token', async () => {
    const db = new Database(`${bot.home}/memory.db`, { readonly: true });
    const rows = db.prepare('SELECT token_hash FROM sessions').all() as { token_hash: string }[];
    db.close();
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.token_hash !== bot.token && /^[0-9a-f]{64}$/.test(r.token_hash)));
  });

  test('dot segments, raw or encoded, are refused with 400 bad_path', async () => {
    for (const path of ['/api/health/../conversations', '/fluxy/..%2f..%2fpackage.json', '/fluxy/%2e%2e/%2e%2e/package.json', '/app/api/..%5c..%5cx', '/%00']) {
      const raw = await rawRequest(bot.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.equal(statusOf(raw), 400, path);
      assert.match(raw, /"code":"bad_path"/, path);
    }
  });

  test('a hostile Host header grants nothing', async () => {
    const raw = await rawRequest(bot.port, 'GET /api/conversations HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(raw), 401);
    const evil = await rawRequest(bot.port, 'GET /api/health HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(evil), 200);
  });

  test('malformed HTTP is answered at the socket: 400, or 431 for huge headers', async () => {
    assert.equal(statusOf(await rawRequest(bot.port, 'GARBAGE\r\n\r\n')), 400);
    const badHost = await rawRequest(bot.port, 'GET /api/health HTTP/1.1\r\nHost: a b/c\r\n\r\n');
    assert.equal(statusOf(badHost), 400);
    assert.match(badHost, /"code":"bad_host"/);
    const huge = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`;
    assert.equal(statusOf(await rawRequest(bot.port, huge)), 431);
  });

  test('the chat socket refuses a token in the query string', async () => {
    const wsUrl = `ws://127.0.0.1:${bot.port}/fluxy/ws`;
    await assert.rejects(openSocket(`${wsUrl}?token=${bot.token}`, {}), /401/);
    await assert.rejects(openSocket(wsUrl, { authorization: 'Bearer wrong' }), /401/);
    await assert.rejects(openSocket(wsUrl, { authorization: `Bearer ${bot.token}`, origin: 'https://evil.example' }), /403/);
  });

  test('bad frames get bad_message and the connection lives on', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${bot.port}/fluxy/ws`, {
      authorization: `Bearer ${bot.token}`,
      origin: `http://127.0.0.1:${bot.port}`,
    });
    try {
      for (const frame of ['not json', '{"type":"nope"}', '{"type":"user:message","content":5}', '[]', '{"type":"user:message","content":"x","attachments":[{"name":1}]}']) {
        const reply = nextFrame(ws);
        ws.send(frame);
        const r = await reply;
        assert.equal(r.type, 'bot:error', frame);
        assert.equal(r.code, 'bad_message', frame);
      }
      // A message refused for good names its client id, so the chat app stops offering it.
      const refused = nextFrame(ws);
      ws.send(JSON.stringify({ type: 'user:message', content: '   ', clientMessageId: 'empty-1' }));
      const e = await refused;
      assert.deepEqual([e.type, e.code, e.clientMessageId], ['bot:error', 'bad_message', 'empty-1']);
      const big = nextFrame(ws);
      ws.send(Buffer.alloc(50 * 1024 * 1024, 0x61));
      const r = await big;
      assert.equal(r.code, 'too_large');
      const pong = nextFrame(ws);
      ws.send(JSON.stringify({ type: 'ping' }));
      assert.equal((await pong).type, 'pong');
    } finally {
      ws.close();
    }
  });

  test('after all that, the bot is healthy', async () => {
    const h = await bot.health();
    assert.equal(h.status, 200);
    assert.ok(Object.values(h.body.children).every((c) => c.state === 'running' && c.restarts === 0));
  });
});
