// How long a clientMessageId is remembered, and what a repeat of a failed message does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClientMessageIds } from '../src/supervisor/chat/client-message-ids.ts';

const at = { conversationId: 'c1', messageId: 'm1' };

test('a repeat gets where the first copy was stored, until the id expires', async () => {
  let now = 0;
  const ids = createClientMessageIds({ ttlMs: 1000, now: () => now });
  const first = await ids.claim('x');
  assert.ok('settle' in first);
  const repeat = ids.claim('x'); // still storing: the repeat waits for the outcome
  first.settle(at);
  assert.deepEqual(await repeat, { repeat: at });
  now = 999;
  assert.deepEqual(await ids.claim('x'), { repeat: at });
  now = 1001;
  const late = await ids.claim('x');
  assert.ok('settle' in late, 'forgotten after the TTL');
});

test('when the first copy failed, the repeat is stored as new', async () => {
  const ids = createClientMessageIds();
  const first = await ids.claim('y');
  assert.ok('settle' in first);
  const repeat = ids.claim('y');
  first.settle(undefined);
  const second = await repeat;
  assert.ok('settle' in second);
  second.settle(at);
  assert.deepEqual(await ids.claim('y'), { repeat: at });
});

test('at most `max` ids are kept, the oldest dropped first', async () => {
  const ids = createClientMessageIds({ max: 3 });
  for (const id of ['a', 'b', 'c', 'd', 'e']) {
    const c = await ids.claim(id);
    assert.ok('settle' in c);
    c.settle({ conversationId: 'c', messageId: id });
  }
  await ids.claim('e');
  assert.equal(ids.size, 3);
  assert.ok('settle' in (await ids.claim('a')), 'the oldest is gone');
});
