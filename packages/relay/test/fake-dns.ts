import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/** DNS at the network edge, faked: a table the test can change to play a rebinding attack. */
export function createFakeDns(table: Record<string, string[]>): { lookup: LookupFunction; table: Record<string, string[]> } {
  const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const addresses = table[hostname];
    if (!addresses) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    const list: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) }));
    if (options.all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  }) as unknown as LookupFunction;
  return { lookup, table };
}
