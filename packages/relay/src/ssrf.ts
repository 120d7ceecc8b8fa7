import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * No server-side request forgery: a bot's tunnel URL must not make the relay talk to itself, its
 * network or its cloud's metadata service. Checked when the URL is set and again on the address
 * the relay actually connects to (a name can resolve differently later: DNS rebinding).
 */

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7],
  ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
  // Forms that embed an IPv4 address a gateway may translate to: local-use NAT64, 6to4, Teredo, SIIT.
  ['64:ff9b:1::', 48], ['2002::', 16], ['2001::', 32], ['::ffff:0:0:0', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`) one. */
function embeddedIpv4(address: string): string | undefined {
  // URL serialisation gives the canonical compressed form, e.g. `::ffff:7f00:1`.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const m = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return undefined;
  const hi = Number.parseInt(m[1]!, 16);
  const lo = Number.parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for loopback, private, link-local, shared, documentation, multicast and reserved space. */
export function isBlockedAddress(address: string): boolean {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4 !== undefined) return blocked.check(v4, 'ipv4');
    return blocked.check(bare, 'ipv6');
  }
  return true; // not an address at all: refuse rather than guess
}

export class TargetForbiddenError extends Error {
  readonly code = 'ERR_TARGET_FORBIDDEN';
}

/**
 * A `lookup` for the proxy's agents: resolves as usual, then refuses the connection when any
 * resolved address is internal. Because the socket connects to exactly the address returned
 * here, the checked address is the connected one (no time-of-check/time-of-use gap).
 */
export function createSafeLookup(resolve: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const bad = list.find((a) => isBlockedAddress(a.address));
      if (bad || list.length === 0) {
        return callback(new TargetForbiddenError(`${hostname} resolves to an internal address`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

export type TunnelUrlProblem = { code: 'invalid_tunnel_url' | 'forbidden_tunnel_url'; message: string };

/**
 * Checks a tunnel URL when the bot sets it. Returns the normalised origin, or why it is refused.
 * A name that does not resolve yet is accepted (a fresh tunnel's DNS can lag); the proxy-time
 * check still guards it.
 */
export async function checkTunnelUrl(
  raw: string,
  allowPrivate: boolean,
  resolve: LookupFunction = dnsLookup as LookupFunction,
): Promise<{ ok: true; url: string } | { ok: false; problem: TunnelUrlProblem }> {
  const invalid = (message: string) => ({ ok: false as const, problem: { code: 'invalid_tunnel_url' as const, message } });
  const forbidden = (message: string) => ({ ok: false as const, problem: { code: 'forbidden_tunnel_url' as const, message } });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('The tunnel URL is not a URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return invalid('The tunnel URL must be http or https.');
  if (url.username || url.password) return invalid('The tunnel URL must not carry credentials.');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return invalid('The tunnel URL must be an origin, without a path or query.');
  }
  if (!url.hostname) return invalid('The tunnel URL has no host.');
  const origin = url.origin;
  if (allowPrivate) return { ok: true, url: origin };
  // `localhost.` is `localhost` to every resolver: judge the name without its final dots.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname.replace(/\.+$/, '');
  if (isIP(host)) {
    return isBlockedAddress(host) ? forbidden('The tunnel URL points at an internal address.') : { ok: true, url: origin };
  }
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) {
    return forbidden('The tunnel URL points at an internal host.');
  }
  const addresses = await new Promise<LookupAddress[] | undefined>((done) => {
    resolve(host, { all: true }, (err, list) => done(err ? undefined : (list as unknown as LookupAddress[])));
  });
  if (addresses?.some((a) => isBlockedAddress(a.address))) {
    return forbidden('The tunnel URL resolves to an internal address.');
  }
  return { ok: true, url: origin };
}
