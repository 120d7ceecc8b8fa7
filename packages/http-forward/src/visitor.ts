import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The visitor's address, vouched for by the relay. Behind the relay, Cloudflare's edge sees the
 * relay as the client, so `Cf-Connecting-IP` names the relay for every visitor of every bot; the
 * relay therefore signs the address it saw, with a key only it and the bot hold: the SHA-256 (hex)
 * of the bot's relay token (the relay stores exactly that hash; the bot has the token). The
 * timestamp bounds a replay. The relay drops any copy a client sends.
 */
export const VISITOR_HEADER = 'x-fluxy-visitor';

/** How far a signature's time may be from ours (clock skew plus the trip through the tunnel). */
export const VISITOR_MAX_SKEW_MS = 5 * 60_000;

/** The key both sides derive: SHA-256 of the relay token, hex (the relay's stored token hash). */
export function visitorKey(relayToken: string): string {
  return createHash('sha256').update(relayToken).digest('hex');
}

const mac = (key: string, ip: string, t: string) => createHmac('sha256', key).update(`fluxy-visitor\n${ip}\n${t}`).digest('base64url');

/** `t=<unix ms>;ip=<address>;sig=<HMAC>`; `key` is the hex token hash. */
export function signVisitor(key: string, ip: string, now = Date.now()): string {
  const t = String(now);
  return `t=${t};ip=${ip};sig=${mac(key, ip, t)}`;
}

/** The address the header vouches for, or undefined when it is missing, malformed, stale or forged. */
export function verifyVisitor(key: string, header: string | string[] | undefined, now = Date.now()): string | undefined {
  if (typeof header !== 'string' || header.length > 300) return undefined;
  const m = /^t=(\d{1,16});ip=([0-9a-fA-F:.]{2,45});sig=([A-Za-z0-9_-]{43})$/.exec(header.trim());
  if (!m) return undefined;
  const [, t, ip, sig] = m as unknown as [string, string, string, string];
  if (Math.abs(now - Number(t)) > VISITOR_MAX_SKEW_MS) return undefined;
  const expected = Buffer.from(mac(key, ip, t));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given) ? ip : undefined;
}
