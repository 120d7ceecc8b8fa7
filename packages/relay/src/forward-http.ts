import { type Agent, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Headers that describe one connection, not the message: never forwarded in either direction. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

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

// Node answers `Expect: 100-continue` itself before the request reaches us; the bot must not wait for it again.
const REQUEST_ONLY = new Set(['expect']);

/**
 * Forwards one HTTP request to `target` and streams the answer back: method, path (byte for byte),
 * headers and body both ways, nothing buffered or parsed. This is the relay's hot path, written
 * out instead of going through http-proxy-3, which costs half again as much CPU per request
 * (bench/RESULTS.md); WebSocket upgrades still go through http-proxy-3.
 * Must not throw: failures before the answer starts go to `onError`; after, the client socket is closed.
 */
export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  agent: Agent,
  onError: (err: Error) => void,
): void {
  const headers = endToEnd(req.headers, REQUEST_ONLY);
  headers.host = target.host;
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
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
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
