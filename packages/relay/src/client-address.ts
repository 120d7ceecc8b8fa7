import type { IncomingMessage } from 'node:http';

/**
 * The client's address, for rate limits and X-Forwarded-For. Only with `--trust-proxy` (the relay
 * sits behind a load balancer that appends the client to X-Forwarded-For) is the header believed,
 * and then only its last entry: the one our own balancer wrote.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const xff = req.headers['x-forwarded-for'];
  const value = Array.isArray(xff) ? xff.join(',') : xff;
  if (!value) return peer;
  const last = value.slice(value.lastIndexOf(',') + 1).trim();
  return last || peer;
}

/**
 * The key a rate limit counts by: the address, or its /64 for IPv6 (one subscriber usually holds
 * a whole /64, so counting single addresses would let them rotate freely).
 */
export function rateLimitKey(address: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4mapped) return v4mapped[1]!;
  if (!address.includes(':')) return address;
  const [left = '', right] = address.toLowerCase().split('::');
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array<string>(Math.max(0, 8 - l.length - r.length)).fill('0'), ...r];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
