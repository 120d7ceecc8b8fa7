import { timingSafeEqual } from 'node:crypto';

/** A header compared with a secret in constant time; a missing, repeated or wrong-length header is no match. */
export function secretMatches(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  // Byte lengths, not string lengths: a header with non-ASCII characters has more bytes than
  // characters, and timingSafeEqual throws on buffers of different lengths.
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
