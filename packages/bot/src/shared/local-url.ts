/**
 * The address to print or call for a listener bound to `host`: a wildcard bind (0.0.0.0, ::) is
 * reached at 127.0.0.1, an IPv6 address goes in brackets.
 */
export function localUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}
