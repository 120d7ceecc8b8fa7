// Regression for the security review's finding 1: a request body framed by chunks must reach the
// child framed by chunks, whatever the method. http-proxy-3 rewrote a chunked DELETE or OPTIONS to
// `Content-Length: 0` and still streamed the body down the pooled keep-alive socket, so the child
// read the body as a second request, without a session: a note created through a public webhook
// path. Checked on every proxied route (backend, worker, Vite) and through the relay.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { registerBot, startRelay, type TestRelay } from '../../relay/test/helpers.ts';
import { type Instance, startInstance } from './helpers/instance.ts';
import { rawRequest, statusOf } from './helpers/raw-http.ts';

/** A whole HTTP/1.1 request sent as one chunk of an outer request's chunked body. */
function smuggle(outer: string, host: string, inner: string, extra = ''): string {
  return `${outer} HTTP/1.1\r\nHost: ${host}\r\n${extra}Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(inner).toString(16)}\r\n${inner}\r\n0\r\n\r\n`;
}

function innerPost(path: string, body: object, extra = ''): string {
  const json = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

describe('request smuggling through the supervisor and the relay', () => {
  let bot: Instance;
  let home: string;
  let relay: TestRelay;
  let token: string;
  let host: string;
  const notes = () => {
    const db = new Database(join(home, 'workspace/backend/app.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT text FROM notes').all() as { text: string }[];
    } finally {
      db.close();
    }
  };
  /**
   * A smuggled request reaches the child right behind the outer one, on the same socket. A fresh
   * request that completes afterwards, on the same route, is therefore answered after it was
   * handled (one child process, one event loop).
   */
  const settle = async () => {
    const res = await bot.fetch('/app/api/notes', { token });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'fluxy-smuggle-'));
    writeFileSync(join(home, 'config.json'), JSON.stringify({ publicPaths: ['/webhooks'] }));
    bot = await startInstance({ home });
    token = await bot.login();
    host = `127.0.0.1:${bot.port}`;
    relay = await startRelay();
    await registerBot(relay.url, 'alice', bot.url);
  });
  after(async () => {
    await relay?.close();
    await bot?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  for (const method of ['DELETE', 'OPTIONS', 'GET', 'POST']) {
    test(`${method} with a chunked body on a public backend path creates no note`, async () => {
      const inner = innerPost('/notes', { text: `smuggled-${method}` });
      const raw = await rawRequest(bot.port, smuggle(`${method} /app/api/webhooks`, host, inner));
      assert.equal(statusOf(raw), 404, `the backend answers the outer request itself: ${raw.slice(0, 120)}`);
      await settle();
      assert.deepEqual(notes().filter((n) => n.text === `smuggled-${method}`), []);
    });
  }

  for (const method of ['DELETE', 'OPTIONS']) {
    test(`${method} with a chunked body through the relay creates no note`, async () => {
      const inner = innerPost('/notes', { text: `relayed-${method}` });
      const raw = await rawRequest(Number(new URL(relay.url).port), smuggle(`${method} /app/api/webhooks`, 'alice.my.fluxy.test', inner));
      assert.equal(statusOf(raw), 404, raw.slice(0, 120));
      await settle();
      assert.deepEqual(notes().filter((n) => n.text === `relayed-${method}`), []);
    });
  }

  test('the worker route: a chunked OPTIONS body does not become a second request', async () => {
    const auth = `Authorization: Bearer ${token}\r\n`;
    const inner = innerPost('/api/conversations', { title: 'smuggled-conversation' }, auth);
    const raw = await rawRequest(bot.port, smuggle('OPTIONS /api/conversations', host, inner, auth));
    assert.ok(statusOf(raw) > 0, raw.slice(0, 120));
    const list = await bot.fetch('/api/conversations', { token });
    const { conversations } = (await list.json()) as { conversations: { title: string | null }[] };
    assert.equal(conversations.filter((c) => c.title === 'smuggled-conversation').length, 0);
  });

  test('the Vite route: a chunked DELETE body does not become a second request', async () => {
    const auth = `Authorization: Bearer ${token}\r\n`;
    // Vite answers its client script with JavaScript: it must never show up as another request's answer.
    const inner = 'GET /@vite/client HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const raw = await rawRequest(bot.port, smuggle('DELETE /', host, inner, auth));
    assert.ok(statusOf(raw) > 0, raw.slice(0, 120));
    for (let i = 0; i < 10; i++) {
      const res = await bot.fetch('/', { token, headers: { accept: 'text/html' } });
      const body = await res.text();
      assert.match(body, /<!doctype html/i, `request ${i} got another request's answer: ${body.slice(0, 80)}`);
    }
  });
});
