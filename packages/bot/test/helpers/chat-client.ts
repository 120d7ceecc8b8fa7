import WebSocket from 'ws';
import type { ServerMessage } from '@fluxy/protocol';

/** A signed-in chat client that records every frame and can wait for one that matches. */
export class ChatClient {
  readonly frames: ServerMessage[] = [];
  private waiters: { match: (f: ServerMessage) => boolean; resolve: (f: ServerMessage) => void }[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerMessage;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  static connect(port: number, token: string): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/fluxy/ws`, { headers: { cookie: `fluxy_session=${token}` } });
      const client = new ChatClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The first recorded frame (from `from` on) that matches, or the next one to arrive. */
  waitFor<T extends ServerMessage['type']>(
    type: T,
    match: (f: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 60_000,
    from = 0,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const test = (f: ServerMessage) => f.type === type && match(f as Extract<ServerMessage, { type: T }>);
    const seen = this.frames.slice(from).find(test);
    if (seen) return Promise.resolve(seen as Extract<ServerMessage, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(', ')}; last: ${JSON.stringify(this.frames.slice(-3))}`)), timeoutMs);
      this.waiters.push({
        match: test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as Extract<ServerMessage, { type: T }>);
        },
      });
    });
  }

  types(from = 0): string[] {
    return this.frames.slice(from).map((f) => (f.type === 'bot:tool' ? `bot:tool:${f.name}:${f.status}` : f.type));
  }

  close(): void {
    this.ws.close();
  }
}
