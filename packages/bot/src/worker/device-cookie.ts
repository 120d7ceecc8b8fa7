import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { cookieValues, DEVICE_COOKIES, deviceCookieName } from '../shared/session-token.ts';

/**
 * OWASP's "device cookies": a browser that once signed in carries a signed, long-lived cookie,
 * and its sign-ins are throttled per device instead of by the account-wide counter. A stranger
 * guessing once a minute keeps the account delay at its cap, but the owner's own phone signs in
 * at once. The key is derived from the stored password hash (secret, in memory.db only): a new
 * password makes every old device cookie worthless, and there is no other key to keep.
 */
export const DEVICE_TTL_MS = 365 * 24 * 60 * 60 * 1000;

function mac(passwordHash: string, account: string, id: string): Buffer {
  return createHmac('sha256', passwordHash).update(`fluxy device cookie\n${account}\n${id}`).digest();
}

/** A `Set-Cookie` value naming a new device of `account`. */
export function deviceCookie(passwordHash: string, account: string, secure: boolean): string {
  const id = randomBytes(16).toString('base64url');
  const value = `${id}.${mac(passwordHash, account, id).toString('base64url')}`;
  return `${deviceCookieName(secure)}=${value}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${DEVICE_TTL_MS / 1000}${secure ? '; Secure' : ''}`;
}

/** The id of the first valid device cookie of `account` the request carries, if any. */
export function knownDevice(cookieHeader: string | undefined, passwordHash: string, account: string): string | undefined {
  for (const name of DEVICE_COOKIES) {
    for (const value of cookieValues(cookieHeader, name)) {
      const dot = value.indexOf('.');
      if (dot <= 0 || value.length > 200) continue;
      const id = value.slice(0, dot);
      const given = Buffer.from(value.slice(dot + 1), 'base64url');
      const expected = mac(passwordHash, account, id);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return id;
    }
  }
  return undefined;
}
