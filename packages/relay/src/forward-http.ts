import { type Agent, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Headers that describe one connection, not the message: never forwarded in either direction. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Marks requests the relay sent: one that comes back to us is a loop (a tunnel URL pointing at the relay). */
export const VIA = '1.1 fluxy-relay';

function endToEnd(headers: IncomingHttpHeaders, extra?: Set<string>): Record<string, string | string[]> {
  // Connection may nominate more hop-by-hop headers (RFC 9110 §7.6.1).
  const nominated = headers.connection?.toLowerCase().split(',').map((s) => s.trim());
  const out: Record<string, string | string[]> = {};
  for (const key in headers) {
    if (HOP_BY_HOP.has(key) || extra?.has(key) || nominated?.includes(key)) continue;
    const value = headers[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Request headers the relay never passes on: `expect` (Node already answered 100-continue) and the
 * ones that claim a client address in a form the relay does not set itself.
 */
const REQUEST_ONLY = new Set(['expect', 'forwarded', 'x-real-ip']);

/**
 * Forwards one HTTP request to `target` and streams the answer back: method, path (byte for byte),
 * headers and body both ways, nothing buffered or parsed. This is the relay's hot path, written
 * out instead of going through http-proxy-3, which costs half again as much CPU per request
 * (bench/RESULTS.md); WebSocket upgrades still go through http-proxy-3.
 * `set` headers (X-Forwarded-*) are applied last: a client cannot strip them by naming them in
 * Connection. Must not throw: failures before the answer starts go to `onError`; after, the
 * client socket is closed.
 */
export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  agent: Agent,
  set: Record<string, string>,
  onError: (err: Error) => void,
): void {
  const headers = endToEnd(req.headers, REQUEST_ONLY);
  Object.assign(headers, set);
  headers.host = target.host;
  headers.via = req.headers.via ? `${req.headers.via}, ${VIA}` : VIA;
  // A body framed by chunks stays framed by chunks. Without this Node's client sends a GET's (or
  // OPTIONS', DELETE's) body with no length on a pooled keep-alive socket, and the bot reads it as
  // the next request: request smuggling.
  if (req.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
  const send = target.protocol === 'https:' ? httpsRequest : request;
  const upstream = send({
    protocol: target.protocol,
    hostname: target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname,
    port: target.port || (target.protocol === 'https:' ? 443 : 80),
    method: req.method,
    path: req.url,
    headers,
    agent,
  });
  upstream.on('response', (answer) => {
    // The bot is not trusted: a status outside 100–599 or a header Node refuses must not throw here.
    const status = answer.statusCode ?? 0;
    try {
      if (status < 100 || status > 599) throw new Error(`invalid status ${status} from the bot`);
      res.writeHead(status, endToEnd(answer.headers));
    } catch (err) {
      answer.destroy();
      upstream.destroy();
      if (!res.headersSent) onError(err as Error);
      else res.destroy();
      return;
    }
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  upstream.on('error', (err) => {
    if (res.headersSent) res.destroy();
    else onError(err);
  });
  // The client went away (or the answer is complete): stop the upstream request if it still runs.
  res.on('close', () => {
    if (!upstream.destroyed && !res.writableFinished) upstream.destroy();
  });
  req.on('error', () => upstream.destroy());
  req.pipe(upstream);
}
