import { randomUUID } from 'node:crypto';
import type { Conversation, ConversationChange, Message, MessageAttachment, MessageChange, NewConversation, NewMessage } from '@fluxy/protocol';
import type { Db } from './db.ts';
import { nowIso } from './db.ts';

interface ConversationRow {
  id: string;
  title: string;
  model: string | null;
  session_id: string | null;
  created_at: string;
  updated_at: string;
}
interface MessageRow {
  id: string;
  conversation_id: string;
  role: 'user' | 'assistant';
  content: string;
  status: Message['status'];
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  attachments: string | null;
  created_at: string;
  client_message_id: string | null;
  reply_to: string | null;
}

const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  title: r.title,
  model: r.model,
  sessionId: r.session_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  role: r.role,
  content: r.content,
  status: r.status,
  inputTokens: r.input_tokens,
  outputTokens: r.output_tokens,
  costUsd: r.cost_usd,
  attachments: r.attachments ? (JSON.parse(r.attachments) as MessageAttachment[]) : null,
  createdAt: r.created_at,
  clientMessageId: r.client_message_id,
  replyTo: r.reply_to,
});

export function createConversationStore(db: Db) {
  const q = {
    list: db.prepare<[number], ConversationRow>('SELECT * FROM conversations ORDER BY updated_at DESC LIMIT ?'),
    get: db.prepare<[string], ConversationRow>('SELECT * FROM conversations WHERE id = ?'),
    insert: db.prepare('INSERT INTO conversations (id, title, model, session_id, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)'),
    remove: db.prepare('DELETE FROM conversations WHERE id = ?'),
    touch: db.prepare('UPDATE conversations SET updated_at = ? WHERE id = ?'),
    messages: db.prepare<[string, string, number], MessageRow>(
      'SELECT * FROM (SELECT *, rowid AS r FROM messages WHERE conversation_id = ? AND created_at < ? ORDER BY created_at DESC, r DESC LIMIT ?) ORDER BY created_at ASC, r ASC',
    ),
    message: db.prepare<[string, string], MessageRow>('SELECT * FROM messages WHERE id = ? AND conversation_id = ?'),
    insertMessage: db.prepare(
      `INSERT INTO messages (id, conversation_id, role, content, status, input_tokens, output_tokens, cost_usd, attachments, created_at, client_message_id, reply_to)
       VALUES (@id, @conversationId, @role, @content, @status, @inputTokens, @outputTokens, @costUsd, @attachments, @createdAt, @clientMessageId, @replyTo)`,
    ),
    byClientId: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE client_message_id = ?'),
    // The newest answer, should there ever be more than one.
    answerTo: db.prepare<[string], MessageRow>('SELECT *, rowid AS r FROM messages WHERE reply_to = ? ORDER BY created_at DESC, r DESC LIMIT 1'),
  };

  return {
    list(limit = 200): Conversation[] {
      return q.list.all(limit).map(toConversation);
    },
    get(id: string): Conversation | undefined {
      const row = q.get.get(id);
      return row ? toConversation(row) : undefined;
    },
    create(input: NewConversation): Conversation {
      const now = nowIso();
      const id = input.id ?? randomUUID();
      q.insert.run(id, input.title ?? '', input.model ?? null, now, now);
      return this.get(id)!;
    },
    update(id: string, change: ConversationChange): Conversation | undefined {
      const cols = { title: 'title', model: 'model', sessionId: 'session_id' } as const;
      const keys = (Object.keys(cols) as (keyof typeof cols)[]).filter((k) => change[k] !== undefined);
      const sets = [...keys.map((k) => `${cols[k]} = @${k}`), 'updated_at = @updatedAt'];
      const values = { ...Object.fromEntries(keys.map((k) => [k, change[k]])), id, updatedAt: nowIso() };
      db.prepare(`UPDATE conversations SET ${sets.join(', ')} WHERE id = @id`).run(values);
      return this.get(id);
    },
    remove(id: string): boolean {
      return q.remove.run(id).changes > 0;
    },
    messages(conversationId: string, options: { limit?: number; before?: string } = {}): Message[] {
      return q.messages.all(conversationId, options.before ?? '9999', options.limit ?? 500).map(toMessage);
    },
    getMessage(conversationId: string, id: string): Message | undefined {
      const row = q.message.get(id, conversationId);
      return row ? toMessage(row) : undefined;
    },
    addMessage(conversationId: string, m: NewMessage): Message {
      const id = m.id ?? randomUUID();
      const createdAt = nowIso();
      db.transaction(() => {
        q.insertMessage.run({
          id,
          conversationId,
          role: m.role,
          content: m.content,
          status: m.status ?? 'complete',
          inputTokens: m.inputTokens ?? null,
          outputTokens: m.outputTokens ?? null,
          costUsd: m.costUsd ?? null,
          attachments: m.attachments ? JSON.stringify(m.attachments) : null,
          createdAt,
          clientMessageId: m.clientMessageId ?? null,
          replyTo: m.replyTo ?? null,
        });
        q.touch.run(createdAt, conversationId);
      })();
      return this.getMessage(conversationId, id)!;
    },
    /** The user message stored with this client id, and its answer if a turn ever started for it. */
    findByClientMessageId(clientMessageId: string): { message: Message; answer: Message | null } | undefined {
      const row = q.byClientId.get(clientMessageId);
      if (!row) return undefined;
      const answer = q.answerTo.get(row.id);
      return { message: toMessage(row), answer: answer ? toMessage(answer) : null };
    },
    updateMessage(
      conversationId: string,
      id: string,
      change: MessageChange,
    ): Message | undefined {
      const cols: Record<string, string> = {
        content: 'content',
        status: 'status',
        inputTokens: 'input_tokens',
        outputTokens: 'output_tokens',
        costUsd: 'cost_usd',
      };
      const sets = Object.keys(change)
        .filter((k) => k in cols && change[k as keyof typeof change] !== undefined)
        .map((k) => `${cols[k]} = @${k}`);
      if (sets.length > 0) {
        db.prepare(`UPDATE messages SET ${sets.join(', ')} WHERE id = @id AND conversation_id = @conversationId`).run({
          ...change,
          id,
          conversationId,
        });
      }
      return this.getMessage(conversationId, id);
    },
  };
}
export type ConversationStore = ReturnType<typeof createConversationStore>;
