// The chat app sends a message again after a reconnect when it never saw `chat:received`. When
// Fluxy stopped (SIGTERM) or crashed (SIGKILL of the supervisor) between storing the message and the
// acknowledgement reaching the phone, the copy sent after the restart used to be stored and answered
// a second time: the ids lived in the supervisor's memory only. Now the database keeps them. A real
// bot against a fake OpenAI-compatible server, restarted on the same home.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { type ChatRequest, type FakeOpenAI, startFakeOpenAI } from './fakes/index.ts';
import { ChatClient } from './helpers/chat-client.ts';
import { type Instance, releaseBasePort, runCli, startInstance, waitFor } from './helpers/instance.ts';

const HELD = 'hold this answer';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex').toString('base64');

type Part = { type: string; text?: string; image_url?: { url: string } };
/** The newest message's words, and its parts (an attachment makes the content a list of parts). */
const lastMessage = (req: ChatRequest): { text: string; parts: Part[] } => {
  const content = req.body.messages?.at(-1)?.content;
  const parts: Part[] = typeof content === 'string' ? [{ type: 'text', text: content }] : ((content ?? []) as Part[]);
  return { text: parts.map((p) => p.text ?? '').join(' '), parts };
};

describe('a message sent again after a restart', () => {
  let fake: FakeOpenAI;
  let home: string;
  const bots: Instance[] = [];
  const clients: ChatClient[] = [];

  /** Starts Fluxy on `home` (the same database each time) and connects one chat client. */
  async function start(): Promise<{ bot: Instance; chat: ChatClient }> {
    const bot = await startInstance({ home, password: bots.length === 0 ? 'pw' : null, env: { FLUXY_AGENT_MAX_RETRIES: '0' } });
    bots.push(bot);
    if (bots.length === 1) {
      const r = await runCli(['setup', '--provider', 'openai', '--model', 'gpt-test', '--api-key', 'sk-test', '--base-url', fake.url], bot.env);
      assert.equal(r.code, 0, r.stderr);
    }
    const chat = await ChatClient.connect(bot.port, await bot.login('pw'));
    clients.push(chat);
    return { bot, chat };
  }

  /** The supervisor SIGKILLed: no shutdown runs; its children exit when their IPC channel closes. */
  async function crash(bot: Instance): Promise<void> {
    const exited = new Promise((r) => bot.proc.once('exit', r));
    bot.proc.kill('SIGKILL');
    await exited;
    releaseBasePort(bot.port);
  }

  const query = <T>(sql: string, ...params: unknown[]): T[] => {
    const db = new Database(join(home, 'memory.db'), { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  const userRows = (content: string) => query<{ id: string; conversation_id: string }>("SELECT id, conversation_id FROM messages WHERE role = 'user' AND content = ?", content);
  const answersTo = (id: string) => query<{ id: string; status: string; content: string }>('SELECT id, status, content FROM messages WHERE reply_to = ?', id);
  const askedFor = (content: string) => fake.requests.filter((r) => lastMessage(r).text.includes(content));
  const asked = (content: string) => askedFor(content).length;

  before(async () => {
    // A message naming HELD streams a little and then stalls (the restart cuts it), except when
    // asked again after the restart.
    fake = await startFakeOpenAI((req) => {
      const last = lastMessage(req).text;
      const earlier = fake.requests.filter((r) => lastMessage(r).text === last).length;
      if (last.includes(HELD) && earlier === 1) return [{ text: 'half ' }, { delayMs: 120_000 }];
      return [{ text: `answer to ${last.replace(/\W+/g, ' ').trim()}` }];
    });
    home = mkdtempSync(join(tmpdir(), 'fluxy-repeat-'));
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const b of bots) await b.stop();
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('after a stop (SIGTERM): an answered message is only acknowledged; an unanswered or cut one is answered once', async () => {
    const { bot, chat } = await start();
    chat.send({ type: 'user:message', content: 'first, answered', clientMessageId: 'answered-1' });
    const first = await chat.waitFor('chat:received', (f) => f.clientMessageId === 'answered-1');
    await chat.waitFor('bot:response', (f) => f.conversationId === first.conversationId);
    const conversationId = first.conversationId;
    // The second stalls mid-answer; the third waits behind it in the conversation's queue.
    chat.send({ type: 'user:message', conversationId, content: `second, ${HELD}`, clientMessageId: 'cut-2' });
    await chat.waitFor('bot:token', (f) => f.text === 'half ');
    chat.send({ type: 'user:message', conversationId, content: 'third, queued', clientMessageId: 'queued-3' });
    await chat.waitFor('chat:received', (f) => f.clientMessageId === 'queued-3');
    assert.equal(await bot.stop(), 0);

    // As the app does after reconnecting: every message it holds no acknowledgement for, in order.
    const again = await start();
    const from = again.chat.frames.length;
    for (const [content, clientMessageId] of [['first, answered', 'answered-1'], [`second, ${HELD}`, 'cut-2'], ['third, queued', 'queued-3']]) {
      again.chat.send({ type: 'user:message', content, clientMessageId });
    }
    const acks = await Promise.all(['answered-1', 'cut-2', 'queued-3'].map((id) => again.chat.waitFor('chat:received', (f) => f.clientMessageId === id, 60_000, from)));
    for (const [i, content] of ['first, answered', `second, ${HELD}`, 'third, queued'].entries()) {
      const rows = userRows(content);
      assert.equal(rows.length, 1, `"${content}" is stored once`);
      assert.deepEqual(acks[i], { type: 'chat:received', conversationId, clientMessageId: acks[i]!.clientMessageId, messageId: rows[0]!.id }, 'the repeat is acknowledged with the first copy');
    }
    // The cut answer is written over, and the queued message answered: one answer each, in order.
    const cutAnswer = answersTo(acks[1]!.messageId);
    const responses = await waitFor('both answers', () => {
      const r = again.chat.frames.slice(from).filter((f) => f.type === 'bot:response');
      return r.length >= 2 && r;
    });
    assert.deepEqual(responses.map((f) => f.type === 'bot:response' && f.content), [`answer to second ${HELD}`, 'answer to third queued']);
    assert.equal(responses[0]?.type === 'bot:response' && responses[0].messageId, cutAnswer[0]?.id, 'the interrupted answer becomes the answer');
    for (const [i, content] of [`answer to second ${HELD}`, 'answer to third queued'].entries()) {
      assert.deepEqual(answersTo(acks[i + 1]!.messageId).map((a) => [a.status, a.content]), [['complete', content]]);
    }
    assert.deepEqual(answersTo(acks[0]!.messageId).map((a) => a.status), ['complete'], 'the answered one got no second answer');
    assert.deepEqual([asked('first, answered'), asked(HELD), asked('third, queued')], [1, 2, 1]);
    assert.equal(query('SELECT id FROM conversations').length, 1, 'no conversation was made for a repeat');

    // The worker's side of it, through the supervisor as the app would call it.
    const token = await again.bot.login('pw');
    const found = await again.bot.fetch('/api/messages/by-client-id/queued-3', { token });
    assert.equal(found.status, 200);
    const body = (await found.json()) as { message: { id: string; clientMessageId: string }; answer: { replyTo: string; status: string } };
    assert.deepEqual([body.message.id, body.message.clientMessageId, body.answer.replyTo, body.answer.status], [acks[2]!.messageId, 'queued-3', acks[2]!.messageId, 'complete']);
    assert.equal((await again.bot.fetch('/api/messages/by-client-id/never-sent', { token })).status, 404);
    // A stranger learns nothing, not even whether the id exists.
    assert.equal((await again.bot.fetch('/api/messages/by-client-id/queued-3')).status, 401);
    assert.equal((await again.bot.fetch('/api/messages/by-client-id/never-sent')).status, 401);
    const post = (clientMessageId: string) =>
      again.bot.fetch(`/api/conversations/${conversationId}/messages`, { token, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'user', content: 'x', clientMessageId }) });
    const dup = await post('queued-3');
    assert.equal(dup.status, 409);
    assert.equal(((await dup.json()) as { error: { code: string } }).error.code, 'conflict');
    assert.equal((await post('x'.repeat(129))).status, 400);
    again.chat.close();
    await again.bot.stop();
  });

  test('after a crash (SIGKILL) mid-answer: answered once, with its picture, and a repeat while that runs waits for it', async () => {
    const { bot, chat } = await start();
    const sentAt = new Date().toISOString();
    const attachments = [{ type: 'image', name: 'dot.png', mediaType: 'image/png', data: PNG }];
    chat.send({ type: 'user:message', content: `crash ${HELD}`, clientMessageId: 'crash-4', attachments });
    const ack = await chat.waitFor('chat:received', (f) => f.clientMessageId === 'crash-4');
    await chat.waitFor('bot:token', (f) => f.text === 'half ');
    // The answer row exists (stored `interrupted` as the agent starts) before the crash.
    await waitFor('the answer row', () => query("SELECT id FROM messages WHERE role = 'assistant' AND created_at > ?", sentAt).length === 1);
    await crash(bot);

    const again = await start();
    const other = await ChatClient.connect(again.bot.port, await again.bot.login('pw'));
    clients.push(other);
    const message = { type: 'user:message', content: `crash ${HELD}`, clientMessageId: 'crash-4', attachments };
    again.chat.send(message);
    other.send(message);
    const [a, b] = await Promise.all([again.chat.waitFor('chat:received'), other.waitFor('chat:received')]);
    assert.deepEqual(a, ack);
    assert.deepEqual(b, ack);
    const done = await again.chat.waitFor('bot:response', (f) => f.conversationId === ack.conversationId);
    assert.equal(done.content, `answer to crash ${HELD}`);
    // A later message proves nothing else was queued behind the answer.
    again.chat.send({ type: 'user:message', conversationId: ack.conversationId, content: 'after the crash', clientMessageId: 'after-5' });
    await again.chat.waitFor('bot:response', (f) => f.content === 'answer to after the crash');
    assert.equal(again.chat.frames.filter((f) => f.type === 'bot:response').length, 2);
    assert.equal(userRows(`crash ${HELD}`).length, 1);
    assert.deepEqual(answersTo(ack.messageId).map((r) => [r.id, r.status, r.content]), [[done.messageId, 'complete', done.content]]);
    assert.equal(asked(`crash ${HELD}`), 2, 'asked once before the crash, once after');
    // The picture saved with the first copy went to the model again, read back from workspace/files.
    const images = askedFor(`crash ${HELD}`).map((r) => lastMessage(r).parts.filter((p) => p.type === 'image_url').map((p) => p.image_url?.url));
    assert.deepEqual(images, [[`data:image/png;base64,${PNG}`], [`data:image/png;base64,${PNG}`]]);
    assert.equal(readdirSync(join(home, 'workspace/files')).filter((f) => f.endsWith('dot.png')).length, 1, 'the repeats saved no second copy');
  });
});
