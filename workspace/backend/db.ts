// The workspace database: one SQLite file next to this one, shared by every route.
// Route files import `db` and create their own tables with CREATE TABLE IF NOT EXISTS.
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const dbPath = process.env.DB_PATH ?? fileURLToPath(new URL('./app.db', import.meta.url));

export const db = new Database(dbPath);
// WAL lets the dashboard read while a route writes, and survives the backend being killed
// mid-request by a restart (the supervisor restarts it after every edit).
db.pragma('journal_mode = WAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 3000');
