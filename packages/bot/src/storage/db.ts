import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Migrations run in order on start; `user_version` records how many have run. Append only:
 * editing an old entry would leave existing databases on the old shape.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE conversations (
     id TEXT PRIMARY KEY,
     title TEXT NOT NULL DEFAULT '',
     model TEXT,
     session_id TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE messages (
     id TEXT PRIMARY KEY,
     conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
     role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
     content TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'interrupted', 'error')),
     input_tokens INTEGER,
     output_tokens INTEGER,
     cost_usd REAL,
     audio TEXT,
     attachments TEXT,
     created_at TEXT NOT NULL
   );
   CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at);
   CREATE TABLE settings (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE sessions (
     token_hash TEXT PRIMARY KEY,
     created_at TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     user_agent TEXT
   );
   CREATE INDEX sessions_by_expiry ON sessions (expires_at);`,
  // Nothing ever wrote messages.audio (voice notes are transcribed, not kept): the column goes.
  'ALTER TABLE messages DROP COLUMN audio;',
  // Exactly-once user messages across restarts: the chat app's id of each message, unique, and the
  // link from an answer to the message it answers (a restart tells answered from never answered).
  `ALTER TABLE messages ADD COLUMN client_message_id TEXT;
   ALTER TABLE messages ADD COLUMN reply_to TEXT;
   CREATE UNIQUE INDEX messages_by_client_id ON messages (client_message_id) WHERE client_message_id IS NOT NULL;
   CREATE INDEX messages_by_reply_to ON messages (reply_to) WHERE reply_to IS NOT NULL;`,
];

export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // `fluxy setup` writes while the worker runs: wait for the other writer instead of failing.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`memory.db is at schema version ${version}, newer than this Fluxy (${MIGRATIONS.length}); update Fluxy`);
  }
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
