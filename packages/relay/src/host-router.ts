import type { RelayTier } from '@fluxy/protocol';
import { checkHandleName } from './handles.ts';

/**
 * Where a request goes, decided from its Host header alone, before anything reads the body:
 * a bot's subdomain is proxied untouched; every other host gets the relay's own routes.
 */
export type HostRoute =
  | { kind: 'bot'; name: string; tier: RelayTier }
  /** `D` or `my.D`: the relay's routes plus path shortcuts for the given tier. */
  | { kind: 'apex'; tier: RelayTier }
  /** `api.D`, `www.D`, the relay's own address, anything else. */
  | { kind: 'relay' };

const RELAY: HostRoute = { kind: 'relay' };

export function createHostRouter(domain: string): (hostHeader: string | undefined) => HostRoute {
  const apex = domain.toLowerCase();
  const freeApex = `my.${apex}`;
  const premiumSuffix = `.${apex}`;
  const freeSuffix = `.${freeApex}`;
  const apexRoutes: Record<string, HostRoute> = {
    [apex]: { kind: 'apex', tier: 'premium' },
    [freeApex]: { kind: 'apex', tier: 'free' },
  };

  return (hostHeader) => {
    if (!hostHeader) return RELAY;
    let host = hostHeader.toLowerCase();
    // Strip the port (not from a bracketed IPv6 literal) and a trailing root dot.
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && !host.endsWith(']')) host = host.slice(0, colon);
    if (host.endsWith('.')) host = host.slice(0, -1);
    const exact = apexRoutes[host];
    if (exact) return exact;
    let name: string;
    let tier: RelayTier;
    if (host.endsWith(freeSuffix)) {
      name = host.slice(0, -freeSuffix.length);
      tier = 'free';
    } else if (host.endsWith(premiumSuffix)) {
      name = host.slice(0, -premiumSuffix.length);
      tier = 'premium';
    } else {
      return RELAY;
    }
    // `api.D`, `www.D` and deeper names are the relay's, not a bot's.
    if (checkHandleName(name) !== undefined) return RELAY;
    return { kind: 'bot', name, tier };
  };
}
