// A worker that answers, but not in its API's shape, must never be believed: the supervisor
// answers 502 `worker_bad_reply` instead of crashing or acting on a wrong value (a session check
// that says `"valid": "yes"` would otherwise let anyone in). The fake worker is a real HTTP server
// that answers deliberately wrong; the request handler, gate and worker client are the real ones.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FluxyError } from '../src/shared/errors.ts';
import { createLogger } from '../src/shared/logger.ts';
import { resolvePaths } from '../src/shared/paths.ts';
import { createAuthGate } from '../src/supervisor/auth-gate.ts';
import { createChatHub } from '../src/supervisor/chat-socket.ts';
import { createChildren } from '../src/supervisor/children.ts';
import { createRequestHandler } from '../src/supervisor/http-handler.ts';
import { createChildProxy } from '../src/supervisor/proxy.ts';
import { createWorkerClient } from '../src/supervisor/worker-client.ts';
import { rawRequest } from './helpers/raw-http.ts';

type Reply = { status: number; body: string };

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('a worker reply that does not match its schema', () => {
  const replies = new Map<string, Reply>();
  let fakeWorker: Server;
  let supervisor: Server;
  let workerUrl: string;
  let supervisorPort: number;
  let home: string;
  const log = createLogger('test', { level: 'error' });

  before(async () => {
    fakeWorker = createServer((req, res) => {
      const reply = replies.get(`${req.method} ${req.url}`) ?? { status: 404, body: '{"error":{"code":"not_found","message":"no"}}' };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body);
    });
    workerUrl = `http://127.0.0.1:${await listen(fakeWorker)}`;

    home = mkdtempSync(join(tmpdir(), 'fluxy-bad-reply-'));
    const paths = resolvePaths({ FLUXY_HOME: home });
    const worker = createWorkerClient(workerUrl, 'secret');
    const gate = createAuthGate({ validate: (token) => worker.validateToken(token) });
    // Real children objects, never started: a request that fails at the gate never reaches them.
    const children = createChildren(paths, 40_000, { internal: 'secret', backend: 'backend-secret' }, log);
    const handler = createRequestHandler(
      {
        children,
        gate,
        chat: createChatHub({ gate, log }),
        proxy: createChildProxy(log, 'backend-secret'),
        serveStatic: (_req: IncomingMessage, res: ServerResponse) => res.end(),
        publicPaths: () => [],
        visitorKey: () => undefined,
        health: () => ({ ok: false }),
        statusKeyMatches: () => false,
        onSettingsWrite: () => undefined,
        internalSecret: 'secret',
        log,
      },
      { trustForwarded: false },
    );
    supervisor = createServer((req, res) => void handler.onRequest(req, res));
    supervisor.on('upgrade', (req, socket, head) => void handler.onUpgrade(req, socket, head));
    supervisorPort = await listen(supervisor);
  });
  after(async () => {
    for (const s of [supervisor, fakeWorker]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    rmSync(home, { recursive: true, force: true });
  });

  for (const [what, body] of [
    ['a session check whose "valid" is a string', '{"valid":"yes"}'],
    ['a session check that is not JSON', 'valid'],
    ['an empty session check', ''],
  ] as const) {
    test(`${what}: the request gets a 502 worker_bad_reply, not access`, async () => {
      replies.set('POST /api/portal/validate-token', { status: 200, body });
      const res = await fetch(`http://127.0.0.1:${supervisorPort}/api/conversations`, { headers: { authorization: `Bearer tok-${what.length}` } });
      assert.equal(res.status, 502);
      const json = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(json.error.code, 'worker_bad_reply');
      assert.match(json.error.message, /validate-token does not match its schema/);
    });
  }

  test('a WebSocket upgrade checked against a bad reply is refused with 502', async () => {
    replies.set('POST /api/portal/validate-token', { status: 200, body: '{"valid":1}' });
    const raw = await rawRequest(
      supervisorPort,
      `GET /fluxy/ws HTTP/1.1\r\nHost: 127.0.0.1:${supervisorPort}\r\nAuthorization: Bearer tok-ws\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 502 /);
    assert.match(raw, /worker_bad_reply/);
  });

  test('the process lives on: a well-formed refusal after a bad reply is a 401 again', async () => {
    replies.set('POST /api/portal/validate-token', { status: 200, body: '{"valid":false}' });
    const res = await fetch(`http://127.0.0.1:${supervisorPort}/api/conversations`, { headers: { authorization: 'Bearer tok-other' } });
    assert.equal(res.status, 401);
  });

  test('every worker-client call checks its reply: wrong enum, missing field, wrong type', async () => {
    const worker = createWorkerClient(workerUrl, 'secret');
    const conversation = { id: 'c1', title: '', model: null, sessionId: null, createdAt: 'x', updatedAt: 'x' };
    const message = { id: 'm1', conversationId: 'c1', role: 'assistant', content: '', status: 'complete', inputTokens: null, outputTokens: null, costUsd: null, attachments: null, createdAt: 'x', clientMessageId: null, replyTo: null };
    replies.set('GET /api/conversations/c1', { status: 200, body: JSON.stringify({ ...conversation, messages: [{ ...message, status: 'done' }] }) });
    replies.set('GET /api/internal/provider-settings', { status: 200, body: JSON.stringify({ provider: 'gpt', model: 'm' }) });
    replies.set('POST /api/conversations/c1/messages', { status: 201, body: JSON.stringify({ ...message, content: undefined }) });
    replies.set('GET /api/context/current', { status: 200, body: JSON.stringify({ conversationId: 7 }) });
    for (const call of [
      () => worker.getConversation('c1'),
      () => worker.providerSettings(),
      () => worker.addMessage('c1', { role: 'user', content: 'hi' }),
      () => worker.currentConversation(),
    ]) {
      await assert.rejects(call(), (err) => err instanceof FluxyError && err.code === 'worker_bad_reply' && err.status === 502);
    }
    // A good reply still passes, and the worker's own errors keep their code.
    replies.set('GET /api/context/current', { status: 200, body: JSON.stringify({ conversationId: 'c1' }) });
    assert.equal(await worker.currentConversation(), 'c1');
    replies.set('POST /api/conversations', { status: 400, body: '{"error":{"code":"bad_request","message":"title: too long"}}' });
    await assert.rejects(worker.createConversation({ title: 'x' }), (err) => err instanceof FluxyError && err.code === 'bad_request' && err.status === 400);
  });
});
