// The chat app's WebSocket client against a real `ws` server on 127.0.0.1 that speaks the
// protocol's acknowledgement (`chat:received`) and ignores repeated client message ids, as the bot
// does: what the user sends while the server is away arrives once, in order, after it is back.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import type { ClientMessage, ServerMessage } from '@fluxy/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import { backoffDelay, type ConnectionState, createChatSocket, type WebSocketLike } from '../src/socket.ts';

interface FakeServer {
  port: number;
  /** Every frame received, repeats included. */
  received: ClientMessage[];
  /** Each stored message content, once per client message id. */
  stored: string[];
  connections: number;
  /** When set, the next user message is received and the socket dropped before the ack. */
  dropBeforeAck: boolean;
  stop(): Promise<void>;
  restart(): Promise<void>;
  push(frame: ServerMessage | string): void;
}

async function startServer(port = 0): Promise<FakeServer> {
  const seen = new Set<string>();
  const state: FakeServer = {
    port,
    received: [],
    stored: [],
    connections: 0,
    dropBeforeAck: false,
    stop: async () => {},
    restart: async () => {},
    push: () => {},
  };
  const listen = (p: number) =>
    new Promise<WebSocketServer>((resolve) => {
      const wss: WebSocketServer = new WebSocketServer({ host: '127.0.0.1', port: p }, () => resolve(wss));
      wss.on('connection', (ws) => {
        state.connections++;
        ws.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as ClientMessage;
          state.received.push(frame);
          if (frame.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
          if (frame.type !== 'user:message') return;
          const id = frame.clientMessageId!;
          if (!seen.has(id)) {
            seen.add(id);
            state.stored.push(frame.content);
          }
          if (frame.content === 'refuse me') {
            ws.send(JSON.stringify({ type: 'bot:error', code: 'bad_message', message: 'The message is empty.', clientMessageId: id }));
            return;
          }
          if (state.dropBeforeAck) {
            state.dropBeforeAck = false;
            ws.terminate();
            return;
          }
          ws.send(JSON.stringify({ type: 'chat:received', conversationId: 'c1', clientMessageId: id, messageId: `m-${id}` }));
        });
      });
    });
  let wss = await listen(port);
  state.port = (wss.address() as AddressInfo).port;
  state.stop = () =>
    new Promise((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    });
  state.restart = async () => {
    wss = await listen(state.port);
  };
  state.push = (frame) => {
    for (const c of wss.clients) c.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  };
  return state;
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function client(server: FakeServer, extra: Partial<Parameters<typeof createChatSocket>[0]> = {}) {
  const frames: ServerMessage[] = [];
  const states: ConnectionState[] = [];
  const bad: string[] = [];
  let reconnects = 0;
  const socket = createChatSocket({
    url: `ws://127.0.0.1:${server.port}/fluxy/ws`,
    connect: (url) => new WebSocket(url) as unknown as WebSocketLike,
    onFrame: (f) => frames.push(f),
    onState: (s) => states.push(s),
    onReconnect: () => reconnects++,
    onBadFrame: (_raw, reason) => bad.push(reason),
    minDelayMs: 20,
    maxDelayMs: 80,
    ...extra,
  });
  return { socket, frames, states, bad, reconnects: () => reconnects };
}

describe('chat socket client', () => {
  const cleanup: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanup) await c();
  });
  /** A fake server and a client of it, both closed after the suite. */
  const connect = async (extra: Parameters<typeof client>[1] = {}) => {
    const server = await startServer();
    const c = client(server, extra);
    cleanup.push(() => c.socket.close(), () => server.stop());
    return { server, c };
  };

  test('backoff doubles from 1 s to an 8 s cap, with ±25 % jitter', () => {
    const at = (attempt: number, r: number) => backoffDelay(attempt, 1000, 8000, () => r);
    assert.deepEqual([0, 1, 2, 3, 4, 9].map((a) => at(a, 0.5)), [1000, 2000, 4000, 8000, 8000, 8000]);
    assert.equal(at(0, 0), 750);
    assert.equal(at(3, 0.999), 9996);
  });

  test('messages typed while the server is down arrive once, in order, after it is back', async () => {
    const { server, c } = await connect();
    await until('open', () => c.socket.state() === 'open');
    c.socket.send({ type: 'user:message', content: 'first' });
    await until('first stored', () => server.stored.length === 1);

    await server.stop();
    await until('reconnecting', () => c.socket.state() === 'reconnecting');
    c.socket.send({ type: 'user:message', content: 'second' });
    c.socket.send({ type: 'user:message', content: 'third' });
    await server.restart();
    await until('both delivered', () => server.stored.length === 3);
    await until('acknowledged', () => c.frames.filter((f) => f.type === 'chat:received').length === 3);
    assert.deepEqual(server.stored, ['first', 'second', 'third']);
    assert.deepEqual(c.states, ['open', 'reconnecting', 'open']);
    assert.equal(c.reconnects(), 1, 'the page is told to refetch history once');

    // Nothing is left in the outbox: another reconnect sends nothing again.
    const before = server.received.filter((f) => f.type === 'user:message').length;
    await server.stop();
    await server.restart();
    await until('reconnected', () => c.reconnects() === 2 && c.socket.state() === 'open');
    assert.equal(server.received.filter((f) => f.type === 'user:message').length, before);
  });

  test('a message the server got just before the connection dropped is sent again and stored once', async () => {
    const { server, c } = await connect();
    await until('open', () => c.socket.state() === 'open');
    server.dropBeforeAck = true;
    const sent = c.socket.send({ type: 'user:message', content: 'only once' });
    assert.equal(sent.type, 'user:message');
    await until('acknowledged after the retry', () => c.frames.some((f) => f.type === 'chat:received'));
    const copies = server.received.filter((f) => f.type === 'user:message');
    assert.equal(copies.length, 2, 'sent twice');
    assert.equal(new Set(copies.map((f) => f.type === 'user:message' && f.clientMessageId)).size, 1, 'with one client message id');
    assert.deepEqual(server.stored, ['only once']);
  });

  test('a message the server refused for good is not sent again after a reconnect', async () => {
    const { server, c } = await connect();
    await until('open', () => c.socket.state() === 'open');
    c.socket.send({ type: 'user:message', content: 'refuse me' });
    await until('refused', () => c.frames.some((f) => f.type === 'bot:error'));
    await server.stop();
    await server.restart();
    await until('reconnected', () => c.reconnects() === 1 && c.socket.state() === 'open');
    c.socket.send({ type: 'user:message', content: 'after' });
    await until('the next message stored', () => server.stored.includes('after'));
    assert.deepEqual(
      server.received.filter((f) => f.type === 'user:message').map((f) => f.type === 'user:message' && f.content),
      ['refuse me', 'after'],
    );
  });

  test('pings on its interval; frames outside the protocol are reported, not thrown', async () => {
    const { server, c } = await connect({ pingMs: 30 });
    await until('three pings', () => server.received.filter((f) => f.type === 'ping').length >= 3);
    await until('pongs', () => c.frames.some((f) => f.type === 'pong'));
    server.push('not json');
    server.push(JSON.stringify({ type: 'bot:token' }));
    server.push({ type: 'bot:token', conversationId: 'c1', text: 'hi' });
    await until('the good frame', () => c.frames.some((f) => f.type === 'bot:token'));
    assert.equal(c.bad.length, 2);
    assert.equal(c.socket.state(), 'open');
  });

  test('a frame the schemas refuse is never sent', async () => {
    const { server, c } = await connect();
    await until('open', () => c.socket.state() === 'open');
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      c.socket.send({ type: 'user:stop', conversationId: '' });
      c.socket.send({ type: 'user:stop', conversationId: 'c1' });
    } finally {
      console.error = original;
    }
    await until('the valid stop', () => server.received.some((f) => f.type === 'user:stop'));
    assert.deepEqual(
      server.received.filter((f) => f.type === 'user:stop'),
      [{ type: 'user:stop', conversationId: 'c1' }],
    );
    assert.equal(errors.length, 1);
  });
});
