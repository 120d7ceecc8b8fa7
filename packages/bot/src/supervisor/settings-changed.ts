import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { SETTINGS_CHANGED_HEADER } from '@fluxy/protocol';

type HeadersArg = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;

const isOurs = (name: unknown) => typeof name === 'string' && name.toLowerCase() === SETTINGS_CHANGED_HEADER;

/** Drops the header from a writeHead argument (an object, a flat raw list, or pairs); says whether it was there. */
function dropFrom(headers: HeadersArg): { headers: HeadersArg; found: boolean } {
  if (!headers) return { headers, found: false };
  if (!Array.isArray(headers)) {
    // Almost every reply lacks it: no copy then (this runs for every request to the worker).
    let present = false;
    for (const k in headers) if (isOurs(k)) present = true;
    if (!present) return { headers, found: false };
    const kept: OutgoingHttpHeaders = {};
    let found = false;
    for (const [k, v] of Object.entries(headers)) {
      if (isOurs(k)) found = true;
      else kept[k] = v;
    }
    return { headers: kept, found };
  }
  if (headers.length > 0 && Array.isArray(headers[0])) {
    const pairs = headers as unknown as [string, OutgoingHttpHeader][];
    const kept = pairs.filter(([k]) => !isOurs(k));
    return { headers: kept as unknown as OutgoingHttpHeader[], found: kept.length !== pairs.length };
  }
  const kept: OutgoingHttpHeader[] = [];
  let found = false;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (isOurs(headers[i])) found = true;
    else kept.push(headers[i]!, headers[i + 1]!);
  }
  return { headers: kept, found };
}

/**
 * A worker reply that says "settings changed" (`x-fluxy-settings-changed`, set by the worker after
 * a write to the provider settings) calls `onChange` once it is sent, and the header never leaves
 * the supervisor. Hooked at `writeHead`, which Node calls for implicit headers too, so it works
 * whatever way the proxy writes the reply.
 */
export function watchSettingsChanged(res: ServerResponse, onChange: () => void): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    let found = res.hasHeader(SETTINGS_CHANGED_HEADER);
    res.removeHeader(SETTINGS_CHANGED_HEADER);
    const last = rest.length - 1;
    if (last >= 0 && typeof rest[last] === 'object') {
      const dropped = dropFrom(rest[last] as HeadersArg);
      rest[last] = dropped.headers;
      found ||= dropped.found;
    }
    if (found) res.once('finish', onChange);
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
  } as ServerResponse['writeHead'];
}
