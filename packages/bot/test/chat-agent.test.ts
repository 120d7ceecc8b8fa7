// The heart of the product, end to end: a message over /fluxy/ws, the real Claude Agent SDK against
// a fake Anthropic API, a file really written in the workspace, the backend restarted once, and
// every signed-in client seeing the same stream.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { type AnthropicRequest, type FakeAnthropic, lastToolResults, lastUserText, startFakeAnthropic } from './fakes/anthropic.ts';
import { ChatClient } from './helpers/chat-client.ts';
import { type Instance, runCli, startInstance } from './helpers/instance.ts';

function helloRoute(marker: string): string {
  return `import { appendFileSync } from 'node:fs';
import { Router } from 'express';
appendFileSync(${JSON.stringify(marker)}, 'x');
const router = Router();
router.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});
export default router;
`;
}

function requestText(req: AnthropicRequest): string {
  return JSON.stringify(req.body.messages ?? []);
}

describe('chat with the Claude agent', () => {
  let fake: FakeAnthropic;
  let bot: Instance;
  let a: ChatClient;
  let b: ChatClient;
  let marker: string;
  let conversationId: string;

  before(async () => {
    fake = await startFakeAnthropic((req) => {
      // After a failed turn Claude Code merges the unanswered prompt into the next user message:
      // only what follows the last failure marker is the new prompt.
      const full = lastUserText(req);
      const cut = Math.max(full.lastIndexOf('fail with 401'), full.lastIndexOf('fail with 500'));
      const after = cut === -1 ? '' : full.slice(cut + 'fail with 500'.length).trim();
      const text = cut === -1 ? full : after || full.slice(cut);
      if (lastToolResults(req).length > 0) return [{ text: ['Added ', 'a hello ', 'route.'] }, { usage: { input_tokens: 321, output_tokens: 45 } }];
      if (text.includes('add a hello route')) {
        return [{ text: 'Writing it.' }, { toolUse: { name: 'Write', input: { file_path: `${bot.home}/workspace/backend/routes/hello.ts`, content: helloRoute(marker) } } }];
      }
      if (text.includes('count slowly')) {
        return [{ text: 'one ' }, { delayMs: 400 }, { text: 'two ' }, { delayMs: 400 }, { text: 'three ' }, { delayMs: 3000 }, { text: 'never' }];
      }
      if (text.includes('what did I ask first')) return [{ text: 'You asked for a hello route.' }];
      if (text.includes('fail with 401')) return [{ status: 401, errorType: 'authentication_error', message: 'invalid x-api-key' }];
      if (text.includes('fail with 500')) return [{ status: 500, errorType: 'api_error', message: 'internal' }];
      return [{ text: 'OK' }];
    });
    bot = await startInstance({ env: { FLUXY_AGENT_MAX_RETRIES: '0' } });
    marker = `${bot.home}/hello-loads.txt`;
    const r = await runCli(['setup', '--provider', 'anthropic', '--model', 'claude-sonnet-4-5', '--api-key', 'sk-ant-test', '--base-url', fake.url], bot.env);
    assert.equal(r.code, 0, r.stderr);
    const token = await bot.login();
    [a, b] = await Promise.all([ChatClient.connect(bot.port, token), ChatClient.connect(bot.port, await bot.login())]);
  });
  after(async () => {
    a?.close();
    b?.close();
    await bot?.stop();
    await fake?.close();
  });

  test('a message makes the agent write a backend route; every client sees the stream; the backend restarts once', async () => {
    const backendPid = (await bot.health()).body.children.backend!.pid;
    a.send({ type: 'user:message', content: 'Please add a hello route' });
    const [hmrA, hmrB] = await Promise.all([a.waitFor('app:hmr-update'), b.waitFor('app:hmr-update')]);
    assert.ok(hmrA.files?.includes('backend/routes/hello.ts'), JSON.stringify(hmrA));
    assert.deepEqual(hmrB, hmrA);

    const created = await a.waitFor('chat:conversation-created');
    conversationId = created.conversationId;
    const seq = a.types().filter((t) => t !== 'chat:conversation-created');
    assert.equal(seq[0], 'bot:typing');
    const started = seq.indexOf('bot:tool:Write:started');
    const done = seq.indexOf('bot:tool:Write:done');
    const response = seq.indexOf('bot:response');
    assert.ok(started > 0 && done > started && response > done, seq.join(' '));
    assert.ok(seq.slice(done, response).includes('bot:token'), 'tokens stream before the response');
    assert.equal(seq.at(-1), 'app:hmr-update');
    const final = await a.waitFor('bot:response');
    assert.equal(final.content.endsWith('Added a hello route.'), true, final.content);
    const tokens = a.frames.filter((f) => f.type === 'bot:token').map((f) => (f as { text: string }).text).join('');
    assert.equal(tokens, final.content);

    const sync = await b.waitFor('chat:sync');
    assert.equal(sync.message.content, 'Please add a hello route');
    assert.equal(sync.message.role, 'user');
    assert.ok(!a.frames.some((f) => f.type === 'chat:sync'), 'the sender does not get its own message back');
    assert.deepEqual(b.types().filter((t) => t.startsWith('bot:')), a.types().filter((t) => t.startsWith('bot:')));

    assert.ok(existsSync(`${bot.home}/workspace/backend/routes/hello.ts`));
    const token = await bot.login();
    const hello = await bot.fetch('/app/api/hello', { token });
    assert.equal(hello.status, 200);
    assert.deepEqual(await hello.json(), { hello: 'world' });
    assert.notEqual((await bot.health()).body.children.backend!.pid, backendPid);
    // The watcher must not add a second restart: give it three times its debounce to misbehave.
    await delay(1500);
    assert.equal(readFileSync(marker, 'utf8'), 'x', 'the backend loaded the new route exactly once');
  });

  test('the conversation and both messages, with token usage, are in memory.db', () => {
    const db = new Database(`${bot.home}/memory.db`, { readonly: true });
    const conv = db.prepare('SELECT * FROM conversations WHERE id = ?').get(conversationId) as { session_id: string | null; title: string };
    const messages = db.prepare('SELECT role, content, status, input_tokens, output_tokens FROM messages WHERE conversation_id = ? ORDER BY created_at, rowid').all(conversationId) as {
      role: string;
      content: string;
      status: string;
      input_tokens: number | null;
      output_tokens: number | null;
    }[];
    db.close();
    assert.ok(conv.session_id, 'the SDK session id is stored on the conversation');
    assert.equal(conv.title, 'Please add a hello route');
    assert.equal(messages.length, 2);
    assert.deepEqual([messages[0]!.role, messages[0]!.content], ['user', 'Please add a hello route']);
    assert.equal(messages[1]!.role, 'assistant');
    assert.equal(messages[1]!.status, 'complete');
    assert.ok(messages[1]!.content.endsWith('Added a hello route.'));
    assert.ok((messages[1]!.input_tokens ?? 0) > 0 && (messages[1]!.output_tokens ?? 0) > 0, JSON.stringify(messages[1]));
  });

  test('user:stop ends a streaming answer within a second and keeps the partial answer as interrupted', async () => {
    const from = a.frames.length;
    a.send({ type: 'user:message', content: 'count slowly', conversationId });
    await a.waitFor('bot:token', (f) => f.text.includes('two'), 60_000, from);
    const t0 = Date.now();
    a.send({ type: 'user:stop', conversationId });
    const end = await a.waitFor('bot:response', () => true, 5_000, from);
    assert.ok(Date.now() - t0 < 1000, `stopped in ${Date.now() - t0} ms`);
    assert.match(end.content, /one\s+two/);
    assert.ok(!end.content.includes('never'));
    const db = new Database(`${bot.home}/memory.db`, { readonly: true });
    const row = db.prepare('SELECT status, content FROM messages WHERE id = ?').get(end.messageId) as { status: string; content: string };
    db.close();
    assert.equal(row.status, 'interrupted');
    assert.match(row.content, /one\s+two/);
  });

  test('the Agent SDK failing (bad key, server error) is a distinct bot:error, and the next message works', async () => {
    const codes: string[] = [];
    for (const what of ['401', '500']) {
      const from = a.frames.length;
      a.send({ type: 'user:message', content: `fail with ${what}`, conversationId });
      const err = await a.waitFor('bot:error', () => true, 60_000, from);
      codes.push(err.code);
      assert.ok(!err.message.includes('sk-ant-test'), 'no key in the message');
    }
    assert.deepEqual(codes, ['auth_failed', 'provider_error']);
    const from = a.frames.length;
    a.send({ type: 'user:message', content: 'hello again', conversationId });
    assert.equal((await a.waitFor('bot:response', () => true, 60_000, from)).content, 'OK');
  });

  test('after fluxy stop and start, the conversation resumes the same agent session', async () => {
    a.close();
    b.close();
    const home = bot.home;
    const stopped = await runCli(['stop'], bot.env);
    assert.equal(stopped.code, 0);
    bot = await startInstance({ home, password: null, env: { FLUXY_AGENT_MAX_RETRIES: '0' } });
    a = await ChatClient.connect(bot.port, await bot.login());
    b = await ChatClient.connect(bot.port, await bot.login());
    const before = fake.requests.length;
    a.send({ type: 'user:message', content: 'what did I ask first?', conversationId });
    const res = await a.waitFor('bot:response');
    assert.equal(res.content, 'You asked for a hello route.');
    const req = fake.requests.slice(before).find((r) => lastUserText(r).includes('what did I ask first'));
    assert.ok(req, 'the fake got the new question');
    assert.match(requestText(req), /add a hello route/, 'the earlier turns were sent along: the session was resumed');
  });
});

describe('chat before a model is set up', () => {
  let bot: Instance;
  before(async () => {
    bot = await startInstance();
  });
  after(() => bot?.stop());

  test('a message is stored and answered with not_configured; the socket lives on', async () => {
    const c = await ChatClient.connect(bot.port, await bot.login());
    c.send({ type: 'user:message', content: 'hi' });
    const err = await c.waitFor('bot:error');
    assert.equal(err.code, 'not_configured');
    c.send({ type: 'ping' });
    await c.waitFor('pong');
    const db = new Database(`${bot.home}/memory.db`, { readonly: true });
    assert.equal((db.prepare("SELECT count(*) AS n FROM messages WHERE content = 'hi'").get() as { n: number }).n, 1);
    db.close();
    c.close();
  });
});
