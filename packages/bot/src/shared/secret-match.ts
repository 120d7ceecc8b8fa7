import { timingSafeEqual } from 'node:crypto';

/** A header compared with a secret in constant time; a missing, repeated or wrong-length header is no match. */
export function secretMatches(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string' || given.length !== secret.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(secret));
}
