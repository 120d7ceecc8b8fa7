// A page reloaded, or a second device opened, in the middle of an answer: the real Claude Agent SDK
// against a fake Anthropic API, one client asking, another joining halfway. Also: a message sent
// twice with the same clientMessageId (a reconnecting app) is stored and answered once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { type FakeAnthropic, lastToolResults, lastUserText, startFakeAnthropic } from './fakes/anthropic.ts';
import { ChatClient } from './helpers/chat-client.ts';
import { type Instance, runCli, startInstance } from './helpers/instance.ts';

describe('late joiners and repeated messages', () => {
  let fake: FakeAnthropic;
  let bot: Instance;
  let token: string;
  const clients: ChatClient[] = [];
  const connect = async () => {
    const c = await ChatClient.connect(bot.port, token);
    clients.push(c);
    return c;
  };

  before(async () => {
    fake = await startFakeAnthropic((req) => {
      const said = lastUserText(req);
      if (said.includes('write notes and count') && lastToolResults(req).length === 0) {
        return [{ text: 'Writing notes.' }, { toolUse: { name: 'Write', input: { file_path: `${bot.home}/workspace/client/notes.txt`, content: 'notes\n' } } }];
      }
      // The pauses give the test time to open a second client in the middle of the answer.
      if (lastToolResults(req).length > 0) return [{ text: ['one ', 'two '] }, { delayMs: 1500 }, { text: ['three ', 'four'] }, { delayMs: 800 }, { text: ' five.' }];
      return [{ text: ['Got ', 'it.'] }];
    });
    bot = await startInstance({ env: { FLUXY_AGENT_MAX_RETRIES: '0' } });
    const r = await runCli(['setup', '--provider', 'anthropic', '--model', 'claude-sonnet-4-5', '--api-key', 'sk-ant-test', '--base-url', fake.url], bot.env);
    assert.equal(r.code, 0, r.stderr);
    token = await bot.login();
  });
  after(async () => {
    for (const c of clients) c.close();
    await bot?.stop();
    await fake?.close();
  });

  test('a client opened mid-answer gets the answer so far and the tool steps, then the rest live', async () => {
    const a = await connect();
    a.send({ type: 'user:message', content: 'please write notes and count', clientMessageId: 'count-1' });
    await a.waitFor('bot:token', (f) => f.text.includes('two'));
    const b = await connect();
    const snapshot = await b.waitFor('chat:in-progress');
    assert.equal(b.frames[0]?.type, 'chat:in-progress', 'the snapshot is the first frame a late joiner gets');
    const received = await a.waitFor('chat:received');
    assert.equal(snapshot.conversationId, received.conversationId);
    assert.ok(snapshot.text.startsWith('Writing notes.'), snapshot.text);
    assert.deepEqual(snapshot.tools, [{ name: 'Write', status: 'done', id: snapshot.tools[0]?.id, summary: 'client/notes.txt' }]);
    assert.ok(snapshot.tools[0]?.id, 'the step has its id');

    // Asked again (after refetching history, say): the same turn, at least as far along.
    b.send({ type: 'chat:subscribe', conversationId: snapshot.conversationId });
    const again = await b.waitFor('chat:in-progress', () => true, 10_000, 1);
    assert.ok(again.text.startsWith(snapshot.text));

    const [doneA, doneB] = await Promise.all([a.waitFor('bot:response'), b.waitFor('bot:response')]);
    assert.deepEqual(doneB, doneA);
    assert.equal(snapshot.messageId, doneA.messageId, 'the snapshot names the message the answer becomes');
    const liveAfter = b.frames
      .slice(1)
      .filter((f) => f.type === 'bot:token')
      .map((f) => (f as { text: string }).text)
      .join('');
    assert.equal(snapshot.text + liveAfter, doneA.content, 'snapshot and live tokens make the whole answer, nothing twice');
    assert.match(doneA.content, /three four\s+five\.$/);

    // The tool steps carry id and summary on the live frames too.
    const steps = a.frames.filter((f) => f.type === 'bot:tool');
    assert.deepEqual(
      steps.map((f) => f.type === 'bot:tool' && [f.status, f.summary, f.id === snapshot.tools[0]?.id]),
      [
        ['started', 'client/notes.txt', true],
        ['done', 'client/notes.txt', true],
      ],
    );

    // After the answer, nobody joining gets a stale turn.
    const c = await connect();
    c.send({ type: 'ping' });
    await c.waitFor('pong');
    assert.ok(!c.frames.some((f) => f.type === 'chat:in-progress'), JSON.stringify(c.frames));
  });

  test('the same clientMessageId sent again, on the same socket and another, is stored and answered once', async () => {
    const a = await connect();
    const b = await connect();
    const message = { type: 'user:message', content: 'say it once', clientMessageId: 'once-7f3a' };
    // Back to back: the repeat arrives while the first copy is still being stored.
    a.send(message);
    b.send(message);
    a.send(message);
    const acks = await Promise.all([
      a.waitFor('chat:received', (f) => f.clientMessageId === 'once-7f3a'),
      b.waitFor('chat:received', (f) => f.clientMessageId === 'once-7f3a'),
    ]);
    await a.waitFor('bot:response', (f) => f.conversationId === acks[0].conversationId);
    // A later message of the same conversation proves the queue is empty behind the answer.
    a.send({ type: 'user:message', content: 'and a different one', conversationId: acks[0].conversationId, clientMessageId: 'other-1' });
    const otherAck = await a.waitFor('chat:received', (f) => f.clientMessageId === 'other-1');
    const responses = () => a.frames.filter((f) => f.type === 'bot:response' && f.conversationId === acks[0].conversationId);
    await a.waitFor('bot:response', (f) => f.messageId !== (responses()[0] as { messageId?: string } | undefined)?.messageId && f.conversationId === acks[0].conversationId);
    assert.equal(responses().length, 2, 'one answer per distinct message');
    const aAcks = a.frames.filter((f) => f.type === 'chat:received' && f.clientMessageId === 'once-7f3a');
    assert.equal(aAcks.length, 2, 'every copy is acknowledged');
    for (const ack of [...aAcks, acks[1]]) assert.deepEqual(ack, acks[0]);
    assert.notEqual(otherAck.messageId, acks[0].messageId);

    const db = new Database(`${bot.home}/memory.db`, { readonly: true });
    try {
      const rows = db.prepare("SELECT COUNT(*) AS n FROM messages WHERE role = 'user' AND content = 'say it once'").get() as { n: number };
      assert.equal(rows.n, 1);
    } finally {
      db.close();
    }
    assert.equal(fake.requests.filter((r) => lastUserText(r).includes('say it once') && !lastUserText(r).includes('different')).length, 1);
  });
});
