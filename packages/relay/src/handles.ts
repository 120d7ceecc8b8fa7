import { HANDLE_PATTERN, type HandleUnavailableReason, type RelayTier } from '@fluxy/protocol';

/**
 * Names a user may not take: they are our own hosts (`api.D`, `my.D`), look official, or would
 * shadow a path on the apex (`D/healthz`, `D/api/…`, where a path shortcut could otherwise point).
 */
export const RESERVED_HANDLES: ReadonlySet<string> = new Set([
  'www', 'api', 'admin', 'my', 'app', 'apps', 'mail', 'smtp', 'imap', 'pop', 'ftp', 'ns1', 'ns2',
  'dns', 'cdn', 'static', 'assets', 'status', 'health', 'healthz', 'metrics', 'relay', 'tunnel',
  'fluxy', 'support', 'help', 'docs', 'blog', 'billing', 'pay', 'payment', 'account', 'accounts',
  'login', 'logout', 'signin', 'signup', 'register', 'auth', 'oauth', 'sso', 'root', 'system',
  'security', 'abuse', 'postmaster', 'hostmaster', 'webmaster', 'administrator', 'staff', 'team',
  'official', 'dashboard', 'console', 'portal', 'dev', 'test', 'staging', 'prod', 'internal',
  'localhost', 'favicon', 'robots', 'null', 'undefined', 'wss', 'http', 'https',
]);

/** Shape and reserved list only; whether the name is free is the store's question. */
export function checkHandleName(name: string): HandleUnavailableReason | undefined {
  if (!HANDLE_PATTERN.test(name) || name.includes('--')) return 'invalid';
  if (RESERVED_HANDLES.has(name)) return 'reserved';
  return undefined;
}

/** The public address of a handle: `NAME.D` for premium, `NAME.my.D` for free. */
export function handleHost(name: string, tier: RelayTier, domain: string): string {
  return tier === 'premium' ? `${name}.${domain}` : `${name}.my.${domain}`;
}

export function relayUrlFor(name: string, tier: RelayTier, domain: string, scheme: string): string {
  return `${scheme}://${handleHost(name, tier, domain)}`;
}
