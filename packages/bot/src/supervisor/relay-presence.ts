import type { Logger } from '../shared/logger.ts';
import { createRelayClient, type RelayClient, RelayError } from '../shared/relay-client.ts';
import { settledWithin } from '../shared/settled-within.ts';

/** What the presence needs of config.json, re-read on every attempt (the wizard may register meanwhile). */
export interface RelayAccount {
  relayUrl: string;
  token: string;
}

export interface RelayPresenceOptions {
  account(): RelayAccount | undefined;
  log: Logger;
  heartbeatMs?: number;
  /** The longest wait between two tries at a relay that is down (30 s: back online within a minute). */
  maxRetryMs?: number;
  clientFor?: (relayUrl: string) => RelayClient;
  random?: () => number;
}

/**
 * Keeps the relay told where this bot is: `PUT /api/tunnel` for every new public URL, a heartbeat
 * every 30 s, `POST /api/disconnect` at shutdown. A relay that cannot be reached is retried with a
 * jittered backoff (capped, so the bot is back online within a minute of the relay), with one log
 * line when it goes away and one when it is back, not one per try.
 */
export function createRelayPresence(options: RelayPresenceOptions) {
  const { log } = options;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const random = options.random ?? Math.random;
  const clientFor = options.clientFor ?? ((url: string) => createRelayClient(url));
  let publicUrl: string | null = null;
  /** The URL the relay has accepted; a heartbeat is enough while it is current. */
  let sentUrl: string | null = null;
  let sentTo: string | undefined;
  let lastHeartbeatAt: Date | null = null;
  let online = false;
  let failing = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let busy: Promise<void> | undefined;
  let seenAccount: string | undefined;
  let again = false;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(() => void sync(), ms);
    timer.unref();
  };

  async function attempt(): Promise<void> {
    const account = options.account();
    if (!account || !publicUrl) {
      online = false;
      return;
    }
    const key = `${account.relayUrl} ${account.token}`;
    const client = clientFor(account.relayUrl);
    try {
      if (sentUrl !== publicUrl || sentTo !== key) {
        await client.updateTunnel(account.token, publicUrl);
        sentUrl = publicUrl;
        sentTo = key;
      } else {
        await client.heartbeat(account.token, publicUrl);
      }
      lastHeartbeatAt = new Date();
      online = true;
      failures = 0;
      if (failing) log.info(`the relay at ${account.relayUrl} is reachable again; this bot is online there`);
      failing = false;
      schedule(heartbeatMs);
    } catch (err) {
      online = false;
      sentUrl = null;
      const e = err instanceof RelayError ? err : new RelayError('relay_error', (err as Error).message, 502);
      const wait = Math.max(e.retryAfterMs ?? 0, Math.round(Math.min(maxRetryMs, 1000 * 2 ** failures) * (0.7 + 0.3 * random())));
      failures++;
      if (!failing) {
        // The one line: the next ones would say the same thing every few seconds.
        const why = e.status === 401 ? 'it does not know this bot\'s token (run `fluxy setup --handle NAME` again)' : e.message;
        log.warn(`cannot reach the relay at ${account.relayUrl}: ${why} Fluxy keeps serving locally and keeps trying.`);
        failing = true;
      } else log.debug(`relay still unreachable; next try in ${Math.round(wait / 1000)} s`, { code: e.code });
      schedule(e.status === 401 ? Math.max(wait, heartbeatMs) : wait);
    }
  }

  /** One call at a time; a new URL that arrives during a heartbeat is sent right after it, not 30 s later. */
  function sync(): Promise<void> {
    if (closed) return Promise.resolve();
    if (busy) {
      again = true;
      return busy;
    }
    busy = attempt().finally(() => {
      busy = undefined;
      if (again) {
        again = false;
        void sync();
      }
    });
    return busy;
  }

  return {
    /** A new public URL (or none): sent at once. */
    setUrl(url: string | null): void {
      publicUrl = url;
      if (url) void sync();
    },
    /** The account in config.json may have changed (a handle registered while running). */
    refresh(): void {
      const account = options.account();
      const key = account ? `${account.relayUrl} ${account.token}` : undefined;
      // Only a change of account: a relay that is down keeps its backoff.
      if (key === seenAccount) return;
      seenAccount = key;
      if (key && publicUrl) {
        failures = 0;
        void sync();
      }
    },
    get lastHeartbeatAt(): Date | null {
      return lastHeartbeatAt;
    },
    get online(): boolean {
      return online;
    },
    /** Stops the heartbeats and tells the relay this bot is offline (bounded: shutdown has 5 s). */
    async close(timeoutMs = 1_500): Promise<void> {
      closed = true;
      clearTimeout(timer);
      const account = options.account();
      if (!account || !lastHeartbeatAt) return;
      const done = clientFor(account.relayUrl)
        .disconnect(account.token)
        .catch((err) => log.warn('could not tell the relay this bot is going offline', { error: err }));
      await settledWithin(done, timeoutMs);
    },
  };
}
export type RelayPresence = ReturnType<typeof createRelayPresence>;
