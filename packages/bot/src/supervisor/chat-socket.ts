import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ClientMessage, parseClientFrame, type ServerMessage } from '@fluxy/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import { FluxyError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { AuthGate } from './auth-gate.ts';

export interface ChatClient {
  readonly id: string;
  readonly token: string;
  send(message: ServerMessage): void;
}

export interface ChatHandler {
  /** Must not throw: failures become a `bot:error` to the client. */
  onMessage(client: ChatClient, message: ClientMessage): void | Promise<void>;
  onDisconnect?(client: ChatClient): void;
  /** A signed-in client opened the chat: a good moment to get ready for its first message. */
  onConnect?(client: ChatClient): void;
}

/** Frames above this are cut by ws itself (close 1009); up to it they are answered with `too_large`. */
const WS_MAX_PAYLOAD = 64 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;
const REVALIDATE_MS = 60_000;

interface Connection extends ChatClient {
  ws: WebSocket;
  alive: boolean;
  /** Frames of one client are handled in order: a settings:save takes effect before the message after it. */
  inbox: Promise<void>;
}

/** The in-process chat WebSocket at `/fluxy/ws`: connections, frames, ping/pong and broadcast. */
export function createChatHub(options: { gate: AuthGate; log: Logger }) {
  const { gate, log } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false });
  const connections = new Set<Connection>();
  let handler: ChatHandler | null = null;

  const sendRaw = (conn: Connection, data: string) => {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(data);
  };

  const onFrame = async (conn: Connection, data: Buffer, isBinary: boolean) => {
    const parsed = parseClientFrame(isBinary ? new Uint8Array(data) : data.toString('utf8'), data.length);
    if (!parsed.ok) {
      conn.send({ type: 'bot:error', code: parsed.code, message: parsed.message });
      return;
    }
    if (parsed.message.type === 'ping') {
      conn.send({ type: 'pong' });
      return;
    }
    if (!handler) {
      conn.send({ type: 'bot:error', code: 'not_available', message: 'The agent is not available yet.' });
      return;
    }
    try {
      await handler.onMessage(conn, parsed.message);
    } catch (err) {
      log.error('chat handler failed', { type: parsed.message.type, error: err });
      if (err instanceof FluxyError && err.code === 'worker_bad_reply') conn.send({ type: 'bot:error', code: 'worker_bad_reply', message: err.message });
      else conn.send({ type: 'bot:error', code: 'internal_error', message: 'Something went wrong handling that message.' });
    }
  };

  const heartbeat = setInterval(() => {
    for (const conn of connections) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  // A session revoked elsewhere (logout, expiry) ends its open sockets within a minute too.
  const revalidate = setInterval(async () => {
    for (const conn of connections) {
      const ok = await gate.check(conn.token).catch(() => true); // worker down: keep the chat alive
      if (!ok) conn.ws.close(4401, 'session ended');
    }
  }, REVALIDATE_MS);
  revalidate.unref();

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, token: string): void {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const conn: Connection = {
          id: randomUUID(),
          token,
          ws,
          alive: true,
          inbox: Promise.resolve(),
          send: (message) => sendRaw(conn, JSON.stringify(message)),
        };
        connections.add(conn);
        handler?.onConnect?.(conn);
        ws.on('pong', () => {
          conn.alive = true;
        });
        ws.on('message', (data, isBinary) => {
          conn.alive = true;
          conn.inbox = conn.inbox.then(() => onFrame(conn, data as Buffer, isBinary));
        });
        ws.on('error', (err) => log.debug('chat socket error', { error: err }));
        ws.on('close', () => {
          connections.delete(conn);
          handler?.onDisconnect?.(conn);
        });
      });
    },
    setHandler(h: ChatHandler): void {
      handler = h;
    },
    /** Serialises once for every client. */
    broadcast(message: ServerMessage, except?: ChatClient): void {
      const data = JSON.stringify(message);
      for (const conn of connections) if (conn !== except) sendRaw(conn, data);
    },
    get size(): number {
      return connections.size;
    },
    close(): void {
      clearInterval(heartbeat);
      clearInterval(revalidate);
      for (const conn of connections) conn.ws.close(1001, 'Fluxy is shutting down');
      for (const conn of connections) conn.ws.terminate();
      wss.close();
    },
  };
}
export type ChatHub = ReturnType<typeof createChatHub>;
