import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { forwardHttp } from '@fluxy/http-forward';
import { createProxyServer } from 'http-proxy-3';
import { errorBody } from '../shared/errors.ts';
import { BACKEND_SECRET_HEADER } from '../shared/backend-secret.ts';
import type { Logger } from '../shared/logger.ts';
import type { ManagedChild } from './child.ts';
import { wantsHtml } from './routes.ts';

export type Part = 'worker' | 'backend' | 'vite';

const PART_NAMES: Record<Part, { code: string; name: string; hint: string }> = {
  worker: { code: 'worker_unavailable', name: "Fluxy's worker", hint: 'It restarts by itself; try again in a few seconds.' },
  backend: {
    code: 'backend_unavailable',
    name: 'The workspace backend',
    hint: 'Open the chat and ask Fluxy to look at the backend logs and fix it.',
  },
  vite: {
    code: 'dashboard_unavailable',
    name: 'The dashboard dev server',
    hint: 'Open the chat and ask Fluxy to fix the dashboard build.',
  },
};

function describe(part: Part, child: ManagedChild | undefined): { code: string; message: string } {
  const p = PART_NAMES[part];
  const state = child?.state ?? 'stopped';
  const why =
    state === 'failed'
      ? `is down: it crashed ${(child?.restarts ?? 0) + 1} times in a row and Fluxy stopped restarting it`
      : state === 'running'
        ? 'did not answer'
        : `is ${state}`;
  return { code: p.code, message: `${p.name} ${why}. ${p.hint}` };
}

export function sendUnavailable(req: IncomingMessage, res: ServerResponse, part: Part, child: ManagedChild | undefined): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { code, message } = describe(part, child);
  if (wantsHtml(req.headers.accept)) {
    res.writeHead(502, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', Refresh: '5' });
    res.end(
      `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Fluxy · ${code}</title>` +
        `<body style="font:16px system-ui;margin:0;display:grid;place-items:center;min-height:100vh;background:#0b0d12;color:#e6e8ee">` +
        `<main style="max-width:32rem;padding:2rem"><h1 style="font-size:1.3rem">Something is down</h1><p>${message}</p>` +
        `<p style="opacity:.7">This page retries every 5 seconds. The chat bubble still works.</p></main>` +
        `<script src="/fluxy/widget.js" defer></script>`,
    );
    return;
  }
  res.writeHead(502, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(errorBody(code, message));
}

/**
 * One proxy for every child: keep-alive sockets to each, errors answered with which part is down.
 * HTTP goes through the shared forwarder (`@fluxy/http-forward`: bodies keep their framing, so a
 * chunked DELETE cannot smuggle a second request into a child); WebSocket upgrades through
 * http-proxy-3.
 */
export function createChildProxy(log: Logger, backendSecret: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' });
  const proxy = createProxyServer({ agent, xfwd: false, ws: true, proxyTimeout: 0 });
  const wsTargets = new WeakMap<IncomingMessage, { part: Part; child: ManagedChild }>();
  // A client's own copy of the backend's secret header never passes; the backend gets ours.
  const noSecret = new Set([BACKEND_SECRET_HEADER]);
  const toBackend = { [BACKEND_SECRET_HEADER]: backendSecret };
  const origins = new Map<number, URL>();
  const originOf = (port: number) => {
    let url = origins.get(port);
    if (!url) {
      url = new URL(`http://127.0.0.1:${port}`);
      origins.set(port, url);
    }
    return url;
  };

  proxy.on('error', (err, req, socket) => {
    const t = wsTargets.get(req as IncomingMessage);
    log.debug('websocket proxy error', { part: t?.part, error: err });
    (socket as Socket | undefined)?.destroy();
  });

  return {
    /**
     * The worker sees the client's Host; Vite and the backend their own address (Vite's host check,
     * and the backend's gate, want it), the client's Host being in X-Forwarded-Host.
     */
    web(req: IncomingMessage, res: ServerResponse, part: Part, child: ManagedChild): void {
      forwardHttp(req, res, {
        target: originOf(child.spec.port),
        agent,
        keepHost: part === 'worker',
        drop: noSecret,
        set: part === 'backend' ? toBackend : undefined,
        onError: (err) => {
          log.debug('proxy error', { part, error: err });
          sendUnavailable(req, res, part, child);
        },
      });
    },
    ws(req: IncomingMessage, socket: Duplex, head: Buffer, part: Part, child: ManagedChild, changeOrigin = false): void {
      wsTargets.set(req, { part, child });
      proxy.ws(req, socket as Socket, head, { target: `http://127.0.0.1:${child.spec.port}`, changeOrigin });
    },
    close(): void {
      proxy.close();
      agent.destroy();
    },
  };
}
export type ChildProxy = ReturnType<typeof createChildProxy>;
