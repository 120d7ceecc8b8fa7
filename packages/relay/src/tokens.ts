import { createHash, randomBytes } from 'node:crypto';

/**
 * Relay tokens: 32 random bytes, base64url, behind a `fxr_` prefix so that secret scanners can
 * recognise a leaked one. Only the SHA-256 of a token is stored; a token has all the entropy it
 * needs, so a plain hash (no salt, no slow KDF) is enough and lets us look it up by index.
 */
export function createToken(): string {
  return `fxr_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The bearer token of a request, or undefined; never logged. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S{1,200})[ \t]*$/i.exec(header);
  return m?.[1];
}
