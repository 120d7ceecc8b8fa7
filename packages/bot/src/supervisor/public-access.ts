import { join } from 'node:path';
import type { FluxyConfig } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';
import type { FluxyPaths } from '../shared/paths.ts';
import { DEFAULT_RELAY_URL } from '../shared/relay-client.ts';
import { createRelayPresence } from './relay-presence.ts';
import { type CloudflaredSource, downloadCloudflared, findCloudflared } from './tunnel/cloudflared-binary.ts';
import { reapTunnelLeftovers, startQuickTunnel } from './tunnel/quick-tunnel.ts';
import { createTunnelManager, type TunnelManager } from './tunnel/tunnel-manager.ts';

export interface PublicAccessOptions {
  paths: FluxyPaths;
  readConfig(): FluxyConfig;
  /** N+3, where the tunnel delivers. */
  ingressPort: number;
  /** `fluxy start --no-tunnel`: `off` for this run. */
  noTunnel: boolean;
  cloudflared: CloudflaredSource;
  /** The watchdog's period (30 s; tests shorten it). */
  watchdogMs?: number;
  /** Whether a portal password exists yet (asked of the worker). */
  passwordSet(): Promise<boolean>;
  /** The address to show the user (QR code): the handle's, else the tunnel's. */
  onPublicUrl?(url: string): void;
  log: Logger;
}

/** `fluxy status --json`'s `tunnel`, `relay` and `publicUrl` (CONTRACT.md). */
export interface PublicAccessStatus {
  publicUrl: string | null;
  tunnel: { mode: string; state: 'off' | 'starting' | 'up' | 'down'; url: string | null };
  relay: { url: string; handle: string; tier: string; lastHeartbeatAt: string | null } | null;
}

/** How often, before a password exists, the worker is asked whether one does now; and how often config.json is looked at. */
const POLL_MS = 1_000;

/**
 * The tunnel and the relay together: nothing starts before a portal password exists (a public
 * URL in front of the one-time setup link would hand the bot to whoever opens it first). Then the
 * tunnel named by `tunnel` in config.json runs (or the user's own URL is taken as it is), and
 * every public URL goes to the relay when this bot holds a handle.
 */
export function createPublicAccess(options: PublicAccessOptions) {
  const { log, paths } = options;
  const stateDir = join(paths.home, 'cloudflared');
  const mode = options.noTunnel ? 'off' : options.readConfig().tunnel;
  let tunnel: TunnelManager | undefined;
  let ownUrl: string | null = null;
  let pending = mode !== 'off';
  let failed = false;
  let closed = false;
  let poll: NodeJS.Timeout | undefined;
  let shown: string | undefined;
  let shownHandle = false;

  const account = () => {
    const relay = options.readConfig().relay;
    return relay.token && relay.handle ? { relayUrl: relay.url ?? DEFAULT_RELAY_URL, token: relay.token } : undefined;
  };
  const presence = createRelayPresence({ account, log: log.child('relay') });

  /** The address to give the phone: the tunnel's at first, the handle's once the relay has it (then only that). */
  const show = () => {
    const url = status().publicUrl;
    if (!url || url === shown || (shownHandle && !presence.online)) return;
    shown = url;
    if (presence.online) shownHandle = true;
    options.onPublicUrl?.(url);
  };

  async function begin(): Promise<void> {
    if (mode === 'off' || closed) return;
    if (mode !== 'cloudflared') {
      ownUrl = mode;
      log.info(`public access through your own URL ${mode}`);
      presence.setUrl(mode);
      return;
    }
    let binary: string | undefined;
    try {
      binary = findCloudflared(options.cloudflared, paths.bin) ?? (await downloadCloudflared(options.cloudflared, paths.bin, log));
    } catch (err) {
      failed = true;
      log.error((err as Error).message);
      return;
    }
    if (closed) return;
    const found = binary;
    tunnel = createTunnelManager({
      launch: (signal, onPrinted) =>
        startQuickTunnel({
          binary: found,
          envPath: options.cloudflared.searchPath,
          ingressPort: options.ingressPort,
          stateDir,
          logFile: join(paths.logs, 'cloudflared.log'),
          signal,
          onPrinted,
        }),
      onUrl: (url) => presence.setUrl(url),
      intervalMs: options.watchdogMs,
      log: log.child('tunnel'),
    });
    tunnel.start();
  }

  async function waitForPassword(): Promise<void> {
    if (closed) return;
    let ready = false;
    try {
      ready = await options.passwordSet();
    } catch (err) {
      log.debug('cannot ask the worker whether a password is set yet', { error: err });
    }
    if (closed) return;
    if (!ready) {
      log.debug('no portal password yet: no tunnel, no registration');
      poll = setTimeout(() => void waitForPassword(), POLL_MS);
      poll.unref();
      return;
    }
    pending = false;
    await begin();
  }

  const watchConfig = setInterval(() => {
    presence.refresh();
    show();
  }, POLL_MS);
  watchConfig.unref();

  function status(): PublicAccessStatus {
    const relay = options.readConfig().relay;
    // Waiting for a portal password counts as off: nothing runs, nothing is reachable.
    const state = mode === 'off' || pending ? 'off' : ownUrl ? 'up' : failed ? 'down' : !tunnel ? 'starting' : tunnel.state;
    const tunnelUrl = ownUrl ?? tunnel?.url ?? null;
    const handleUrl = relay.token && relay.handle && presence.online ? (relay.publicUrl ?? null) : null;
    return {
      publicUrl: handleUrl ?? (state === 'up' ? tunnelUrl : null),
      tunnel: { mode, state, url: tunnelUrl },
      relay: relay.handle && relay.token
        ? { url: relay.url ?? DEFAULT_RELAY_URL, handle: relay.handle, tier: relay.tier ?? 'free', lastHeartbeatAt: presence.lastHeartbeatAt?.toISOString() ?? null }
        : null,
    };
  }

  return {
    start(): void {
      // Whatever the tunnel of a Fluxy killed outright left running, whichever mode this run has.
      const reaped = reapTunnelLeftovers(stateDir);
      if (reaped > 0) log.warn(`stopped ${reaped} cloudflared process(es) an earlier run left behind`);
      if (mode === 'off') log.info('no tunnel (tunnel is off): Fluxy is reachable on this machine only');
      else void waitForPassword();
    },
    status,
    /** The tunnel's cloudflared, for a shutdown that ran out of time. */
    get tunnelPid(): number | null {
      return tunnel?.pid ?? null;
    },
    /** Offline at the relay first (while the tunnel still carries traffic), then the tunnel. */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(poll);
      clearInterval(watchConfig);
      await Promise.allSettled([presence.close(), tunnel?.close()]);
    },
  };
}
export type PublicAccess = ReturnType<typeof createPublicAccess>;
