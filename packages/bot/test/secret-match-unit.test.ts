// A secret header with non-ASCII characters has as many characters as the secret but more bytes:
// comparing string lengths let it reach timingSafeEqual, which throws on unequal buffers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secretMatches } from '../src/shared/secret-match.ts';

test('a secret header is matched in constant time; non-ASCII, repeated or missing headers are no match and never throw', () => {
  const secret = 'a'.repeat(43);
  assert.equal(secretMatches(secret, secret), true);
  assert.equal(secretMatches('é'.repeat(43), secret), false);
  assert.equal(secretMatches(`${'a'.repeat(42)}b`, secret), false);
  assert.equal(secretMatches([secret, secret], secret), false);
  assert.equal(secretMatches(undefined, secret), false);
});
