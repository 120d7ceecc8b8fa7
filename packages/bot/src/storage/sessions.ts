import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.ts';
import { nowIso } from './db.ts';

export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionStore {
  create(userAgent?: string): { token: string; expiresAt: number };
  validate(token: string): { valid: true; expiresAt: number } | { valid: false };
  revoke(token: string): void;
  /** Ends every session but `keep` (a password change signs everyone else out). */
  revokeAllExcept(keep: string | undefined): number;
  purgeExpired(): number;
}

/** Tokens are 32 random bytes; only their SHA-256 is stored, so a copy of memory.db signs nobody in. */
export function createSessionStore(db: Db): SessionStore {
  const insert = db.prepare('INSERT INTO sessions (token_hash, created_at, expires_at, user_agent) VALUES (?, ?, ?, ?)');
  const select = db.prepare<[string], { expires_at: number }>('SELECT expires_at FROM sessions WHERE token_hash = ?');
  const remove = db.prepare('DELETE FROM sessions WHERE token_hash = ?');
  const purge = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');
  const removeOthers = db.prepare('DELETE FROM sessions WHERE token_hash != ?');
  return {
    create(userAgent) {
      const token = randomBytes(32).toString('base64url');
      const expiresAt = Date.now() + SESSION_TTL_MS;
      insert.run(hashToken(token), nowIso(), expiresAt, userAgent?.slice(0, 300) ?? null);
      return { token, expiresAt };
    },
    validate(token) {
      if (!token || token.length > 200) return { valid: false };
      const row = select.get(hashToken(token));
      if (!row || row.expires_at <= Date.now()) return { valid: false };
      return { valid: true, expiresAt: row.expires_at };
    },
    revoke(token) {
      remove.run(hashToken(token));
    },
    revokeAllExcept(keep) {
      return removeOthers.run(keep ? hashToken(keep) : '').changes;
    },
    purgeExpired() {
      return purge.run(Date.now()).changes;
    },
  };
}
