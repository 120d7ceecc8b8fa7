import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isErrno } from '../shared/errors.ts';

/**
 * Before a portal password exists, the only way in is a one-time link whose token lives in
 * `$FLUXY_HOME/setup-token` (mode 0600). The file is the source of truth, so `fluxy setup` or a
 * consumed link (which delete it) take effect at once in a running worker.
 */
export function readSetupToken(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

export function ensureSetupToken(path: string): string {
  const existing = readSetupToken(path);
  if (existing) return existing;
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'w' });
  return token;
}

/** Checks and consumes the token: true once, false afterwards. */
export function consumeSetupToken(path: string, candidate: string): boolean {
  const expected = readSetupToken(path);
  if (!expected) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(candidate);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return false;
  removeSetupToken(path);
  return true;
}

export function removeSetupToken(path: string): void {
  rmSync(path, { force: true });
}
