import { forwardHttp as forward } from '@fluxy/http-forward';
import { VISITOR_HEADER } from '@fluxy/http-forward/visitor';
import type { Agent, IncomingMessage, ServerResponse } from 'node:http';
import { confineCookieDomains } from './cookie-domain.ts';

/** Marks requests the relay sent: one that comes back to us is a loop (a tunnel URL pointing at the relay). */
export const VIA = '1.1 fluxy-relay';

/**
 * Request headers the relay never passes on: the ones that claim a visitor's address in a form the
 * relay does not set itself (a bot behind the relay must be able to believe what arrives; the relay
 * sets X-Forwarded-For, and the signed visitor header that the bot checks).
 */
export const CLIENT_CLAIMS = new Set(['forwarded', 'x-real-ip', 'cf-connecting-ip', 'true-client-ip', 'x-client-ip', 'fastly-client-ip', VISITOR_HEADER]);

const editAnswer = (headers: Parameters<typeof confineCookieDomains>[0], req: IncomingMessage) => confineCookieDomains(headers, req.headers.host);

/**
 * Forwards one bot request through the shared forwarder (`@fluxy/http-forward`): the Host is the
 * tunnel's, `set` (X-Forwarded-*) is applied last, `Via` marks the hop, and the bot's cookies stay
 * on its own host. WebSocket upgrades go through http-proxy-3 (bot-proxy.ts).
 */
export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  agent: Agent,
  set: Record<string, string>,
  onError: (err: Error) => void,
): void {
  set.via = req.headers.via ? `${req.headers.via}, ${VIA}` : VIA;
  forward(req, res, { target, agent, drop: CLIENT_CLAIMS, set, editResponseHeaders: editAnswer, onError });
}
