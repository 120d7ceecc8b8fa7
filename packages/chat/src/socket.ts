// The chat WebSocket client. Framework-free and environment-neutral (it types only the few members of
// a WebSocket it uses), so the same module runs in the page and, with `ws`, in Node's tests.
import { type ClientMessage, ClientMessageSchema, type ServerMessage, ServerMessageSchema } from '@fluxy/protocol';

/** The part of the browser's WebSocket (and of `ws`'s) this client needs. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ChatSocketOptions {
  url: string;
  onFrame: (frame: ServerMessage) => void;
  onState?: (state: ConnectionState) => void;
  /** Called on every open after the first: the page refetches history, the server resends live turns. */
  onReconnect?: () => void;
  /** A frame the server sent that does not match the protocol (logged; never thrown). */
  onBadFrame?: (raw: unknown, reason: string) => void;
  connect?: (url: string) => WebSocketLike;
  minDelayMs?: number;
  maxDelayMs?: number;
  pingMs?: number;
  random?: () => number;
}

export interface ChatSocket {
  /**
   * Sends now when connected, else queues. A `user:message` gets a `clientMessageId` and stays in
   * the outbox until the server acknowledges it (`chat:received`): after a drop it is sent again,
   * and the server ignores the repeat, so it is delivered once. Returns the message as sent.
   */
  send(message: ClientMessage): ClientMessage;
  state(): ConnectionState;
  /** Drops the socket now and reconnects without waiting (e.g. the page came back to the foreground). */
  reconnectNow(): void;
  close(): void;
}

const OPEN = 1;

/** A random id; `crypto.randomUUID` exists only in secure contexts (not on http over a LAN address). */
export function newId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function defaultConnect(url: string): WebSocketLike {
  const Ctor = (globalThis as unknown as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (!Ctor) throw new Error('No WebSocket in this environment; pass `connect`.');
  return new Ctor(url);
}

/** Backoff for the n-th consecutive failure (0-based): 1 s, 2 s, 4 s, 8 s cap, each ±25 % jitter. */
export function backoffDelay(attempt: number, min: number, max: number, random: () => number): number {
  const base = Math.min(max, min * 2 ** attempt);
  return Math.round(base * (0.75 + random() * 0.5));
}

export function createChatSocket(options: ChatSocketOptions): ChatSocket {
  const min = options.minDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 8000;
  const pingMs = options.pingMs ?? 25_000;
  const random = options.random ?? Math.random;
  const connect = options.connect ?? defaultConnect;

  let ws: WebSocketLike | undefined;
  let state: ConnectionState = 'connecting';
  let opened = false;
  let attempt = 0;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  // In order: frames waiting for a connection, and user messages sent but not yet acknowledged.
  let outbox: ClientMessage[] = [];

  const setState = (next: ConnectionState) => {
    if (state === next) return;
    state = next;
    options.onState?.(next);
  };

  const write = (message: ClientMessage): boolean => {
    if (!ws || ws.readyState !== OPEN) return false;
    // Validated on the way out too: a bug here must show in the console, not as a server error.
    const checked = ClientMessageSchema.safeParse(message);
    if (!checked.success) {
      console.error('fluxy: refusing to send an invalid frame', message, checked.error.issues[0]?.message);
      return true;
    }
    ws.send(JSON.stringify(checked.data));
    return true;
  };

  const flush = () => {
    // Everything not yet acknowledged goes out again, in the order the user sent it.
    for (const message of outbox) if (!write(message)) return;
    outbox = outbox.filter((m) => m.type === 'user:message');
  };

  const onMessage = (data: unknown) => {
    let value: unknown;
    try {
      value = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      options.onBadFrame?.(data, 'not JSON');
      return;
    }
    const parsed = ServerMessageSchema.safeParse(value);
    if (!parsed.success) {
      options.onBadFrame?.(value, parsed.error.issues[0]?.message ?? 'invalid');
      return;
    }
    const frame = parsed.data;
    // Stored, or refused for good: either way it is not sent again.
    if (frame.type === 'chat:received' || (frame.type === 'bot:error' && frame.clientMessageId)) {
      outbox = outbox.filter((m) => !(m.type === 'user:message' && m.clientMessageId === frame.clientMessageId));
    }
    options.onFrame(frame);
  };

  const scheduleReconnect = () => {
    if (closed) return;
    setState('reconnecting');
    const delay = backoffDelay(attempt, min, max, random);
    attempt++;
    retryTimer = setTimeout(open, delay);
  };

  function open(): void {
    retryTimer = undefined;
    if (closed) return;
    let socket: WebSocketLike;
    try {
      socket = connect(options.url);
    } catch (err) {
      console.error('fluxy: cannot open the chat socket', err);
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.onopen = () => {
      if (ws !== socket) return;
      attempt = 0;
      const again = opened;
      opened = true;
      setState('open');
      flush();
      clearInterval(pingTimer);
      // Keeps the connection alive through proxies and the relay, which close idle sockets.
      pingTimer = setInterval(() => write({ type: 'ping' }), pingMs);
      if (again) options.onReconnect?.();
    };
    socket.onmessage = (ev) => {
      if (ws === socket) onMessage(ev.data);
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
    socket.onclose = () => {
      if (ws !== socket) return;
      ws = undefined;
      clearInterval(pingTimer);
      scheduleReconnect();
    };
  }

  open();

  return {
    send(message) {
      const out: ClientMessage = message.type === 'user:message' && !message.clientMessageId ? { ...message, clientMessageId: newId() } : message;
      // A ping is worthless later; everything else waits for the connection.
      if (!write(out) ? out.type !== 'ping' : out.type === 'user:message') outbox.push(out);
      return out;
    },
    state: () => state,
    reconnectNow() {
      if (closed || state === 'open') return;
      clearTimeout(retryTimer);
      attempt = 0;
      open();
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      setState('closed');
      ws?.close(1000, 'bye');
      ws = undefined;
    },
  };
}
