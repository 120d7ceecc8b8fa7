import { type Agent, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The one HTTP forwarder, shared by the bot's supervisor (to its children) and the relay (to
 * tunnels). Written out instead of going through http-proxy-3, for two reasons:
 * - framing: http-proxy-3 rewrites a chunked DELETE or OPTIONS to `Content-Length: 0` and still
 *   streams the body down the pooled keep-alive socket, so the next hop reads the body as a second
 *   request (request smuggling). Here a body always leaves framed as it came: chunked stays
 *   chunked for every method, a Content-Length stays that length, no framing means no body;
 * - cost: it is the hot path of both processes, and http-proxy-3 costs half again as much CPU per
 *   request (bench/RESULTS.md).
 * WebSocket upgrades are not handled here (both callers keep http-proxy-3 for those).
 */

/** Headers that describe one connection, not the message: never forwarded in either direction. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export type ResponseHeaders = Record<string, string | string[]>;

export interface ForwardOptions {
  /** An origin (`http://127.0.0.1:3004`, `https://x.example`); the path is the request's own, byte for byte. */
  target: URL;
  /** A keep-alive agent: one TCP (or TLS) connection per request would dominate the latency. */
  agent: Agent;
  /** More request headers never passed on (lower case), besides hop-by-hop ones and `expect`. */
  drop?: ReadonlySet<string>;
  /** Request headers applied last: a client cannot strip them by naming them in Connection. */
  set?: Readonly<Record<string, string>>;
  /** Send the client's Host instead of the target's (the supervisor's worker sees the public host). */
  keepHost?: boolean;
  /** May edit the answer's headers before they are written (the relay's Set-Cookie rule). */
  editResponseHeaders?: (headers: ResponseHeaders, req: IncomingMessage) => void;
  /** Called when the target cannot be reached or answers with something unusable, before any byte was sent back. */
  onError(err: Error): void;
}

function endToEnd(headers: IncomingHttpHeaders): ResponseHeaders {
  // Connection may nominate more hop-by-hop headers (RFC 9110 §7.6.1).
  const nominated = headers.connection?.toLowerCase().split(',').map((s) => s.trim());
  const out: ResponseHeaders = {};
  for (const key in headers) {
    if (HOP_BY_HOP.has(key) || nominated?.includes(key)) continue;
    const value = headers[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * The request's headers for the next hop as a flat `[name, value, …]` list: Node's client writes
 * such a list as it is, where an object costs a validated `setHeader` and a lower-cased copy per
 * header. `headers` may have been edited by the caller (the
 * supervisor drops and sets its own), so it is the source, not `rawHeaders`.
 */
function requestHeaders(headers: IncomingHttpHeaders, options: ForwardOptions, chunked: boolean): string[] {
  const { drop, set } = options;
  const nominated = headers.connection?.toLowerCase().split(',').map((s) => s.trim());
  const out: string[] = [];
  for (const key in headers) {
    // Node already answered 100-continue: the next hop must not wait for a second body. Host is ours to say.
    if (HOP_BY_HOP.has(key) || key === 'expect' || key === 'host' || drop?.has(key) || nominated?.includes(key)) continue;
    if (set && key in set) continue;
    const value = headers[key];
    if (typeof value === 'string') out.push(key, value);
    else if (value) for (const v of value) out.push(key, v);
  }
  // Node's client adds no Host to a header list: without the client's, the target's (as Node would).
  out.push('host', (options.keepHost ? headers.host : undefined) ?? options.target.host);
  if (set) for (const key in set) out.push(key, set[key]!);
  // Node's client sends a body written to a GET, DELETE or OPTIONS request unframed unless told
  // otherwise: name the framing the client used, always (any codings before `chunked` included:
  // the body Node hands us is still coded by them).
  if (chunked) out.push('transfer-encoding', headers['transfer-encoding']!);
  return out;
}

/**
 * How the request's body is framed, or null when the framing is ambiguous. Node's parser already
 * refuses Content-Length with Transfer-Encoding and a final coding other than chunked; this is the
 * forwarder's own guard in case a server is ever run with a laxer parser.
 */
export function requestFraming(headers: IncomingHttpHeaders): 'chunked' | 'length' | 'none' | null {
  const te = headers['transfer-encoding'];
  const cl = headers['content-length'];
  if (te !== undefined) {
    if (cl !== undefined) return null;
    return /(?:^|,)\s*chunked\s*$/i.test(te) ? 'chunked' : null;
  }
  return cl === undefined ? 'none' : 'length';
}

function refuse(res: ServerResponse): void {
  const body = JSON.stringify({ error: { code: 'bad_framing', message: 'The request body has ambiguous framing (Content-Length and Transfer-Encoding).' } });
  res.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

/**
 * Forwards one HTTP request to `options.target` and streams the answer back: method, path, headers
 * and body both ways, nothing buffered or parsed. Never throws: failures before the answer starts go
 * to `onError`; after, the client's connection is closed (a half-sent answer must not look whole).
 */
export function forwardHttp(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): void {
  const framing = requestFraming(req.headers);
  if (framing === null) {
    refuse(res);
    return;
  }
  const { target } = options;
  const headers = requestHeaders(req.headers, options, framing === 'chunked');
  const send = target.protocol === 'https:' ? httpsRequest : request;
  const upstream = send({
    protocol: target.protocol,
    hostname: target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname,
    port: target.port || (target.protocol === 'https:' ? 443 : 80),
    method: req.method,
    path: req.url,
    headers,
    agent: options.agent,
  });
  upstream.on('response', (answer) => {
    // The target is not trusted (a tunnel, the user's backend): a status outside 100–599 or a
    // header Node refuses must not throw here.
    const status = answer.statusCode ?? 0;
    try {
      if (status < 100 || status > 599) throw new Error(`invalid status ${status} from ${target.host}`);
      const out = endToEnd(answer.headers);
      options.editResponseHeaders?.(out, req);
      res.writeHead(status, out);
    } catch (err) {
      answer.destroy();
      upstream.destroy();
      if (!res.headersSent) options.onError(err as Error);
      else res.destroy();
      return;
    }
    answer.pipe(res);
    // Cut mid-answer by the target ('error': aborted): the client must see a broken answer, not a short whole one.
    answer.on('error', () => res.destroy());
  });
  upstream.on('error', (err) => {
    if (res.headersSent) res.destroy();
    else options.onError(err);
  });
  // The client went away (or the answer is complete): stop the upstream request if it still runs.
  res.on('close', () => {
    if (!upstream.destroyed && !res.writableFinished) upstream.destroy();
  });
  if (framing === 'none') {
    upstream.end();
    return;
  }
  req.on('error', () => upstream.destroy());
  req.pipe(upstream);
}
