// The chat's state machine, frame by frame: what a person sees after each server frame.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServerMessage, StoredMessage } from '@fluxy/protocol';
import { createChatStore } from '../src/chat/store.ts';

const C = 'conv-1';
const stored = (id: string, role: 'user' | 'assistant', content: string, status?: StoredMessage['status']): StoredMessage => ({
  id,
  conversationId: C,
  role,
  content,
  createdAt: '2026-01-01T00:00:00Z',
  status,
});

function feed(store: ReturnType<typeof createChatStore>, frames: ServerMessage[]): void {
  for (const f of frames) store.apply(f);
}

describe('chat store', () => {
  test('a streamed answer: tokens and tool steps (paired by id) become one finished message', () => {
    const store = createChatStore();
    store.load(C, []);
    feed(store, [
      { type: 'bot:typing', conversationId: C },
      { type: 'bot:token', conversationId: C, text: 'Writ' },
      { type: 'bot:token', conversationId: C, text: 'ing.' },
      { type: 'bot:tool', conversationId: C, name: 'Write', status: 'started', id: 't1', summary: 'notes.md' },
      { type: 'bot:tool', conversationId: C, name: 'Bash', status: 'started', id: 't2', summary: 'npm test' },
      { type: 'bot:tool', conversationId: C, name: 'Write', status: 'done', id: 't1' },
    ]);
    assert.equal(store.get().live?.text, 'Writing.');
    assert.deepEqual(
      store.get().live?.tools.map((t) => [t.name, t.status, t.summary]),
      [
        ['Write', 'done', 'notes.md'],
        ['Bash', 'started', 'npm test'],
      ],
    );
    store.apply({ type: 'bot:response', conversationId: C, messageId: 'm2', content: 'Writing. Done.' });
    const [answer] = store.get().messages;
    assert.equal(store.get().live, null);
    assert.deepEqual([answer?.id, answer?.content, answer?.status, answer?.tools?.length], ['m2', 'Writing. Done.', 'complete', 2]);
  });

  test('a message sent is shown at once and takes its stored id when acknowledged', () => {
    const store = createChatStore();
    store.load(null, []);
    store.addLocal({ id: 'local:x', clientMessageId: 'x', role: 'user', content: 'hi', status: 'sending' });
    feed(store, [
      { type: 'chat:conversation-created', conversationId: C },
      { type: 'chat:received', conversationId: C, clientMessageId: 'x', messageId: 'm1' },
    ]);
    assert.equal(store.get().conversationId, C);
    assert.deepEqual(
      store.get().messages.map((m) => [m.id, m.status]),
      [['m1', undefined]],
    );
  });

  test('a message re-sent after a reconnect, already in the refetched history, is shown once', () => {
    const store = createChatStore();
    store.load(C, []);
    store.addLocal({ id: 'local:y', clientMessageId: 'y', role: 'user', content: 'while away', status: 'sending' });
    store.load(C, [stored('m7', 'user', 'while away')]);
    assert.equal(store.get().messages.length, 2, 'until the server says they are the same');
    store.apply({ type: 'chat:received', conversationId: C, clientMessageId: 'y', messageId: 'm7' });
    assert.deepEqual(
      store.get().messages.map((m) => m.id),
      ['m7'],
    );
  });

  test('a late joiner: the partial answer saved in history is shown once, as the live row, then completed', () => {
    const store = createChatStore();
    store.load(C, [stored('m1', 'user', 'count'), stored('m2', 'assistant', 'one', 'interrupted')]);
    store.apply({ type: 'chat:in-progress', conversationId: C, messageId: 'm2', text: 'one two', tools: [{ name: 'Read', status: 'done', id: 'r' }] });
    assert.deepEqual(
      store.get().messages.map((m) => m.id),
      ['m1'],
    );
    store.apply({ type: 'bot:token', conversationId: C, text: ' three' });
    assert.equal(store.get().live?.text, 'one two three');
    // A history refetch (after a reconnect) while it streams does not bring the partial copy back.
    store.load(C, [stored('m1', 'user', 'count'), stored('m2', 'assistant', 'one two', 'interrupted')]);
    assert.deepEqual(
      store.get().messages.map((m) => m.id),
      ['m1'],
    );
    store.apply({ type: 'bot:response', conversationId: C, messageId: 'm2', content: 'one two three' });
    assert.deepEqual(
      store.get().messages.map((m) => [m.id, m.content]),
      [
        ['m1', 'count'],
        ['m2', 'one two three'],
      ],
    );
  });

  test('frames held while the history loaded, replayed after it: a turn that ended meanwhile shows once, whole', () => {
    const store = createChatStore();
    store.load(C, [stored('m1', 'user', 'count'), stored('m2', 'assistant', 'one two three', 'complete')]);
    feed(store, [
      { type: 'chat:in-progress', conversationId: C, messageId: 'm2', text: 'one', tools: [] },
      { type: 'bot:token', conversationId: C, text: ' two' },
      { type: 'bot:token', conversationId: C, text: ' three' },
      { type: 'bot:response', conversationId: C, messageId: 'm2', content: 'one two three' },
    ]);
    assert.equal(store.get().live, null);
    assert.deepEqual(
      store.get().messages.map((m) => [m.id, m.content]),
      [
        ['m1', 'count'],
        ['m2', 'one two three'],
      ],
    );
  });

  test('Stop keeps the partial answer, marked stopped; an error keeps it with the error', () => {
    const store = createChatStore();
    store.load(C, []);
    feed(store, [
      { type: 'bot:typing', conversationId: C },
      { type: 'bot:token', conversationId: C, text: 'one ' },
    ]);
    store.requestStop();
    store.apply({ type: 'bot:response', conversationId: C, messageId: 'm1', content: 'one ' });
    assert.equal(store.get().messages[0]?.status, 'interrupted');

    feed(store, [
      { type: 'bot:typing', conversationId: C },
      { type: 'bot:token', conversationId: C, text: 'half' },
      { type: 'bot:error', conversationId: C, code: 'rate_limited', message: 'Slow down.' },
    ]);
    const failed = store.get().messages[1];
    assert.deepEqual([failed?.content, failed?.status, failed?.error?.message], ['half', 'error', 'Slow down.']);
    // An error outside a turn is a notice of its own.
    store.apply({ type: 'bot:error', code: 'transcription_failed', message: 'No key.' });
    assert.equal(store.get().messages[2]?.role, 'notice');
  });

  test('after New conversation, frames of the conversation left behind stay out', () => {
    const store = createChatStore();
    store.load(C, [stored('m1', 'user', 'old')]);
    store.apply({ type: 'bot:typing', conversationId: C });
    store.startNew();
    feed(store, [
      { type: 'bot:token', conversationId: C, text: 'old answer' },
      { type: 'chat:sync', conversationId: C, message: stored('m9', 'user', 'from the phone') },
    ]);
    assert.equal(store.get().live, null);
    assert.deepEqual(store.get().messages, []);
    feed(store, [
      { type: 'chat:conversation-created', conversationId: 'conv-2' },
      { type: 'bot:typing', conversationId: 'conv-2' },
      { type: 'bot:token', conversationId: 'conv-2', text: 'new' },
    ]);
    assert.equal(store.get().conversationId, 'conv-2');
    assert.equal(store.get().live?.text, 'new');
  });

  test('each change notifies subscribers; unchanged slices keep their identity', () => {
    const store = createChatStore();
    store.load(C, [stored('m1', 'user', 'hi')]);
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    const messages = store.get().messages;
    feed(store, [
      { type: 'bot:typing', conversationId: C },
      { type: 'bot:token', conversationId: C, text: 'a' },
      { type: 'bot:token', conversationId: C, text: 'b' },
    ]);
    assert.equal(calls, 3);
    assert.equal(store.get().messages, messages, 'tokens leave the finished messages untouched (no list re-render)');
    unsubscribe();
  });
  test("a turn's checkpoint gives its answer the files and an Undo to the state before it; a reload finds them again", () => {
    const store = createChatStore();
    store.load(C, [stored('u1', 'user', 'add hello'), stored('a1', 'assistant', 'Done.', 'complete')]);
    feed(store, [{ type: 'app:checkpoint', conversationId: C, messageId: 'a1', checkpointId: 'cp2', files: ['backend/routes/hello.ts'], previousCheckpointId: 'cp1' }]);
    const answer = store.get().messages.find((m) => m.id === 'a1');
    assert.deepEqual([answer?.checkpointId, answer?.files, answer?.undoTo], ['cp2', ['backend/routes/hello.ts'], 'cp1']);

    const reloaded = createChatStore();
    reloaded.load(C, [stored('u1', 'user', 'add hello'), stored('a1', 'assistant', 'Done.', 'complete')]);
    reloaded.annotate([
      { id: 'cp2', kind: 'turn', conversationId: C, messageId: 'a1', createdAt: '2026-01-01T00:00:01Z', files: ['backend/routes/hello.ts'], parentId: 'cp1' },
      { id: 'cp1', kind: 'baseline', conversationId: null, messageId: null, createdAt: '2026-01-01T00:00:00Z', files: ['README.md'], parentId: null },
    ]);
    assert.equal(reloaded.get().messages.find((m) => m.id === 'a1')?.undoTo, 'cp1');
  });

  test('a broken app becomes a notice that carries the error and the last good checkpoint', () => {
    const store = createChatStore();
    store.load(C, []);
    feed(store, [{ type: 'app:broken', part: 'backend', error: 'routes/broken.ts: Unexpected token', checkpointId: 'cp1' }]);
    const shown = store.get().messages.at(-1);
    assert.equal(shown?.role, 'notice');
    assert.deepEqual(shown?.broken, { part: 'backend', error: 'routes/broken.ts: Unexpected token', checkpointId: 'cp1' });
  });

  test('history that arrives after the user tapped New conversation does not pull them back', () => {
    const store = createChatStore();
    // The page asked for the current conversation's history, then the user started a new one.
    const since = store.view();
    store.startNew();
    store.load(C, [stored('m1', 'user', 'old question')], since);
    assert.equal(store.get().conversationId, null);
    assert.deepEqual(store.get().messages, []);
    // A history asked for after that choice still shows.
    store.load(null, [], store.view());
    assert.equal(store.get().loading, false);
  });
});
