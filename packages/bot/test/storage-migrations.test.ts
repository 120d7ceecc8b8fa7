// memory.db from an older Fluxy opens on this one without losing a row: migrations run in order,
// once, the never-written `messages.audio` column is dropped, and messages gain their client id
// (unique) and the link from an answer to its message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { createConversationStore } from '../src/storage/conversations.ts';
import { MIGRATIONS, openDatabase } from '../src/storage/db.ts';

const dir = mkdtempSync(join(tmpdir(), 'fluxy-migrations-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const columns = (db: Database.Database, table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);

test('a version-1 database keeps its conversations and messages and loses the audio column', () => {
  const path = join(dir, 'v1.db');
  const old = new Database(path);
  old.exec(MIGRATIONS[0]!);
  old.pragma('user_version = 1');
  old.exec(`INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'kept', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
            INSERT INTO messages (id, conversation_id, role, content, status, attachments, created_at)
            VALUES ('m1', 'c1', 'user', 'hello', 'complete', '[{"name":"a.png","mediaType":"image/png","path":"files/a.png"}]', '2026-01-01T00:00:01Z');`);
  assert.ok(columns(old, 'messages').includes('audio'));
  old.close();

  const db = openDatabase(path);
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.ok(!columns(db, 'messages').includes('audio'));
  const store = createConversationStore(db);
  assert.equal(store.get('c1')?.title, 'kept');
  const [m] = store.messages('c1');
  assert.deepEqual([m?.content, m?.status, m?.attachments], ['hello', 'complete', [{ name: 'a.png', mediaType: 'image/png', path: 'files/a.png' }]]);
  assert.deepEqual([m?.clientMessageId, m?.replyTo], [null, null]);
  db.close();
  // Opening again runs nothing twice.
  openDatabase(path).close();
});

test('a fresh database gets every migration', () => {
  const db = openDatabase(join(dir, 'fresh.db'));
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.deepEqual(columns(db, 'messages').sort(), ['attachments', 'client_message_id', 'content', 'conversation_id', 'cost_usd', 'created_at', 'id', 'input_tokens', 'output_tokens', 'reply_to', 'role', 'status']);
  db.close();
});

test('a clientMessageId is stored once, and finds its message and the answer to it', () => {
  const db = openDatabase(join(dir, 'client-ids.db'));
  const store = createConversationStore(db);
  const c = store.create({ title: 't' });
  const user = store.addMessage(c.id, { role: 'user', content: 'hi', clientMessageId: 'cm-1' });
  assert.deepEqual(store.findByClientMessageId('cm-1'), { message: user, answer: null });
  assert.throws(() => store.addMessage(c.id, { role: 'user', content: 'hi again', clientMessageId: 'cm-1' }), /UNIQUE/);
  // Messages without one are many.
  store.addMessage(c.id, { role: 'user', content: 'a' });
  store.addMessage(c.id, { role: 'user', content: 'b' });
  const answer = store.addMessage(c.id, { role: 'assistant', content: '', status: 'interrupted', replyTo: user.id });
  assert.deepEqual(store.findByClientMessageId('cm-1'), { message: user, answer });
  assert.equal(store.findByClientMessageId('cm-2'), undefined);
  db.close();
});
