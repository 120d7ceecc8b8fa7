// OpenAI and Ollama over the chat socket: streamed answers that carry the conversation's history,
// provider failures as distinct errors, attachments kept inside the workspace, voice notes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { type FakeOllama, startFakeOllama } from './fakes/ollama.ts';
import { type FakeOpenAI, startFakeOpenAI } from './fakes/openai.ts';
import { ChatClient } from './helpers/chat-client.ts';
import { type Instance, runCli, startInstance } from './helpers/instance.ts';

const lastUser = (messages: { role: string; content: unknown }[] | undefined) =>
  JSON.stringify([...(messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '');

describe('chat with OpenAI and Ollama', () => {
  let openai: FakeOpenAI;
  let ollama: FakeOllama;
  let bot: Instance;
  let c: ChatClient;

  before(async () => {
    openai = await startFakeOpenAI(
      (req) => {
        const q = lastUser(req.body.messages);
        if (q.includes('fail 401')) return [{ status: 401, message: 'bad key' }];
        if (q.includes('fail 429')) return [{ status: 429, message: 'slow down' }];
        if (q.includes('fail 500')) return [{ status: 500, message: 'boom' }];
        if (q.includes('fail cut')) return [{ text: 'half an ans' }, { cut: true }];
        if (q.includes('my name')) return [{ text: ['Your name ', 'is Ana.'] }];
        if (q.includes('slow one')) return [{ text: 'slow ' }, { delayMs: 600 }, { text: 'done' }];
        if (q.includes('quick one')) return [{ text: 'quick done' }];
        if (q.includes('survive')) return [{ text: 'still ' }, { delayMs: 4000 }, { text: 'here' }];
        return [{ text: ['Hello ', 'Ana!'] }];
      },
      () => ({ text: 'transcribed words' }),
    );
    ollama = await startFakeOllama((req) => (lastUser(req.body.messages).includes('second') ? [{ text: ['Second ', 'answer.'] }] : [{ text: ['First ', 'answer.'] }]));
    bot = await startInstance({ env: { FLUXY_AGENT_MAX_RETRIES: '0' } });
    const r = await runCli(['setup', '--provider', 'openai', '--model', 'gpt-test', '--api-key', 'sk-openai', '--base-url', openai.url, '--whisper-key', 'wk'], bot.env);
    assert.equal(r.code, 0, r.stderr);
    c = await ChatClient.connect(bot.port, await bot.login());
  });
  after(async () => {
    c?.close();
    await bot?.stop();
    await Promise.all([openai?.close(), ollama?.close()]);
  });

  test('OpenAI: streamed answers with the history', async () => {
    c.send({ type: 'user:message', content: 'Hi, I am Ana' });
    const first = await c.waitFor('bot:response');
    assert.equal(first.content, 'Hello Ana!');
    const tokens = c.frames.filter((f) => f.type === 'bot:token').map((f) => (f as { text: string }).text);
    assert.deepEqual(tokens, ['Hello ', 'Ana!']);
    const from = c.frames.length;
    c.send({ type: 'user:message', content: "What's my name?", conversationId: first.conversationId });
    const second = await c.waitFor('bot:response', () => true, 30_000, from);
    assert.equal(second.content, 'Your name is Ana.');
    const req = openai.requests.at(-1)!;
    assert.equal(req.body.model, 'gpt-test');
    assert.equal(req.body.stream, true);
    assert.equal(req.headers.authorization, 'Bearer sk-openai');
    const roles = (req.body.messages ?? []).filter((m) => m.role !== 'system').map((m) => `${m.role}:${JSON.stringify(m.content)}`);
    assert.deepEqual(roles.slice(-3), ['user:"Hi, I am Ana"', 'assistant:"Hello Ana!"', `user:${JSON.stringify("What's my name?")}`]);
  });

  test('a second message while a turn runs is queued, answered after it, with the first exchange as history', async () => {
    const from = c.frames.length;
    c.send({ type: 'user:message', content: 'slow one' });
    await c.waitFor('bot:token', (f) => f.text === 'slow ', 30_000, from);
    c.send({ type: 'user:message', content: 'quick one' });
    await c.waitFor('bot:response', (f) => f.content === 'quick done', 30_000, from);
    const responses = c.frames.slice(from).filter((f) => f.type === 'bot:response').map((f) => (f as { content: string }).content);
    assert.equal(responses.length, 2, 'neither message was lost');
    assert.match(responses[0]!, /^slow\s*done$/, 'the running turn finished first');
    assert.equal(responses[1], 'quick done');
    const quick = openai.requests.at(-1)!;
    assert.match(JSON.stringify(quick.body.messages), /slow one.*slow\s*done.*quick one/s, 'the queued turn saw the finished one');
  });

  test('the worker crashing in the middle of a turn loses neither the stream nor the stored answer', async () => {
    const from = c.frames.length;
    c.send({ type: 'user:message', content: 'survive a worker crash' });
    await c.waitFor('bot:token', (f) => f.text === 'still ', 30_000, from);
    const worker = (await bot.health()).body.children.worker!;
    process.kill(worker.pid!, 'SIGKILL');
    const end = await c.waitFor('bot:response', () => true, 30_000, from);
    assert.match(end.content, /^still\s*here$/);
    assert.ok(!c.frames.slice(from).some((f) => f.type === 'bot:error'), JSON.stringify(c.frames.slice(from)));
    const db = new Database(`${bot.home}/memory.db`, { readonly: true });
    const row = db.prepare('SELECT status, content FROM messages WHERE id = ?').get(end.messageId) as { status: string; content: string };
    db.close();
    assert.equal(row.status, 'complete');
    assert.match(row.content, /^still\s*here$/);
  });

  test('each provider failure is a distinct bot:error, and the next message works', async () => {
    const codes: Record<string, string> = {};
    const messages = new Set<string>();
    for (const kind of ['401', '429', '500', 'cut']) {
      const from = c.frames.length;
      c.send({ type: 'user:message', content: `fail ${kind}` });
      const err = await c.waitFor('bot:error', () => true, 30_000, from);
      codes[kind] = err.code;
      messages.add(err.message);
      assert.ok(!err.message.includes('sk-openai'), 'no key in the message');
    }
    assert.deepEqual(codes, { '401': 'auth_failed', '429': 'rate_limited', '500': 'provider_error', cut: 'stream_interrupted' });
    assert.equal(messages.size, 4, 'each reads differently');
    const from = c.frames.length;
    c.send({ type: 'user:message', content: 'hello again' });
    assert.equal((await c.waitFor('bot:response', () => true, 30_000, from)).content, 'Hello Ana!');
  });

  test('a provider that cannot be reached is provider_unavailable', async () => {
    const from = c.frames.length;
    // A port that was free a moment ago: nothing listens there (fetch refuses "bad ports" like 9 outright).
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    c.send({ type: 'settings:save', baseUrl: `http://127.0.0.1:${closed}/v1` });
    c.send({ type: 'user:message', content: 'anyone there?' });
    const err = await c.waitFor('bot:error', () => true, 30_000, from);
    assert.equal(err.code, 'provider_unavailable', err.message);
    c.send({ type: 'settings:save', baseUrl: openai.url });
  });

  test('an attachment named ../../x is saved inside workspace/files under a safe name', async () => {
    const from = c.frames.length;
    c.send({
      type: 'user:message',
      content: 'see attached',
      attachments: [{ type: 'text', name: '../../x', mediaType: 'text/plain', data: Buffer.from('note').toString('base64') }],
    });
    await c.waitFor('bot:response', () => true, 30_000, from);
    assert.ok(!existsSync(`${bot.home}/x`) && !existsSync(`${bot.home}/workspace/x`));
    const saved = readdirSync(`${bot.home}/workspace/files`).filter((f) => f !== '.gitkeep');
    assert.equal(saved.length, 1);
    assert.ok(!saved[0]!.includes('/') && !saved[0]!.startsWith('.'), saved[0]);
    assert.equal(readFileSync(`${bot.home}/workspace/files/${saved[0]}`, 'utf8'), 'note');
    assert.match(JSON.stringify(openai.requests.at(-1)!.body.messages), /note/, 'the text reached the model');
    const db = new Database(`${bot.home}/memory.db`, { readonly: true });
    const row = db.prepare("SELECT attachments FROM messages WHERE content = 'see attached'").get() as { attachments: string };
    db.close();
    assert.deepEqual(JSON.parse(row.attachments), [{ name: JSON.parse(row.attachments)[0].name, mediaType: 'text/plain', path: `files/${saved[0]}` }], 'the stored message refers to the saved file');

    const bad = c.frames.length;
    c.send({ type: 'user:message', content: 'x', attachments: [{ type: 'image', name: 'a.png', mediaType: 'image/png', data: '###' }] });
    const err = await c.waitFor('bot:error', () => true, 30_000, bad);
    assert.equal(err.code, 'invalid_base64');
  });

  test('voice notes: whisper:transcribe over the socket and POST /api/whisper/transcribe', async () => {
    c.send({ type: 'settings:save', whisperBaseUrl: openai.url });
    const audio = Buffer.from('fake opus bytes').toString('base64');
    c.send({ type: 'whisper:transcribe', audio, mediaType: 'audio/webm' });
    assert.equal((await c.waitFor('whisper:result')).text, 'transcribed words');
    const token = await bot.login();
    const res = await bot.fetch('/api/whisper/transcribe', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audio, mediaType: 'audio/webm' }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { text: 'transcribed words' });
    const t = openai.transcriptions.at(-1)!;
    assert.equal(t.headers.authorization, 'Bearer wk');
    assert.equal(t.file?.bytes.toString(), 'fake opus bytes');
  });

  test('Ollama (switched over the socket with settings:save): streamed answers with the history', async () => {
    c.send({ type: 'settings:save', provider: 'ollama', model: 'llama-test', baseUrl: ollama.url });
    c.send({ type: 'user:clear-context' });
    const created = await c.waitFor('chat:conversation-created', () => true, 10_000, c.frames.length);
    const from = c.frames.length;
    c.send({ type: 'user:message', content: 'first question', conversationId: created.conversationId });
    assert.equal((await c.waitFor('bot:response', () => true, 30_000, from)).content, 'First answer.');
    const mid = c.frames.length;
    c.send({ type: 'user:message', content: 'second question', conversationId: created.conversationId });
    assert.equal((await c.waitFor('bot:response', () => true, 30_000, mid)).content, 'Second answer.');
    const req = ollama.requests.at(-1)!;
    assert.equal(req.body.model, 'llama-test');
    const msgs = (req.body.messages ?? []).filter((m) => m.role !== 'system').map((m) => `${m.role}:${m.content}`);
    assert.deepEqual(msgs, ['user:first question', 'assistant:First answer.', 'user:second question'], 'a fresh context after clear');
  });

  test("a model change through PUT /api/settings applies to the very next message; the worker's settings-changed header stays inside", async () => {
    // The last turn fetched the settings a moment ago: only the worker's header can drop that cache in time.
    const res = await bot.fetch('/api/settings', {
      method: 'PUT',
      token: await bot.login(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama-other' }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-fluxy-settings-changed'), null);
    const from = c.frames.length;
    c.send({ type: 'user:message', content: 'first again' });
    await c.waitFor('bot:response', () => true, 30_000, from);
    assert.equal(ollama.requests.at(-1)!.body.model, 'llama-other');
  });
});
