import { loadConfig } from '../shared/config.ts';
import { localUrl } from '../shared/local-url.ts';
import type { FluxyPaths } from '../shared/paths.ts';
import { DEFAULT_RELAY_URL } from '../shared/relay-client.ts';
import { STATUS_HEADER } from '../shared/session-token.ts';
import type { PublicAccessStatus } from '../supervisor/public-access.ts';
import { runningInstance } from './pid.ts';

/** `fluxy status --json`, exactly CONTRACT.md's shape. */
export interface StatusReport extends PublicAccessStatus {
  running: boolean;
  pid: number | null;
  localUrl: string;
  children: Record<string, { state: string; pid: number | null; restarts: number }>;
}

interface DetailedHealth {
  children?: Record<string, { state: string; pid: number | null; restarts: number }>;
  publicAccess?: PublicAccessStatus;
}

async function report(paths: FluxyPaths): Promise<{ report: StatusReport; problem?: string }> {
  const config = loadConfig(paths.config);
  const running = runningInstance(paths.pidFile);
  const relay = config.relay.handle && config.relay.token
    ? { url: config.relay.url ?? DEFAULT_RELAY_URL, handle: config.relay.handle, tier: config.relay.tier ?? 'free', lastHeartbeatAt: null }
    : null;
  const base: StatusReport = {
    running: Boolean(running),
    pid: running?.pid ?? null,
    localUrl: localUrl(running?.host ?? config.host, running?.port ?? config.port),
    publicUrl: null,
    tunnel: { mode: config.tunnel, state: 'off', url: null },
    relay,
    children: {},
  };
  if (!running) return { report: base };
  try {
    // The pid file's key buys the details, which /api/health shows no stranger.
    const headers: Record<string, string> = running.statusKey ? { [STATUS_HEADER]: running.statusKey } : {};
    const res = await fetch(`${base.localUrl}/api/health`, { headers, signal: AbortSignal.timeout(5000) });
    const health = (await res.json()) as DetailedHealth;
    const children = Object.fromEntries(Object.entries(health.children ?? {}).map(([name, c]) => [name, { state: c.state, pid: c.pid, restarts: c.restarts }]));
    return { report: { ...base, ...health.publicAccess, children }, problem: res.ok ? undefined : 'the worker is not answering; the supervisor reported the states above' };
  } catch (err) {
    return { report: base, problem: `health check failed: ${(err as Error).message}` };
  }
}

export async function statusCommand(paths: FluxyPaths, options: { json?: boolean } = {}): Promise<number> {
  const { report: r, problem } = await report(paths);
  if (options.json) {
    console.log(JSON.stringify(r));
    return r.running ? 0 : 3;
  }
  if (!r.running) {
    console.log(`Fluxy is not running (data: ${paths.home}).`);
    return 3;
  }
  console.log(`Fluxy is running (pid ${r.pid}).`);
  console.log(`  local:   ${r.localUrl}`);
  console.log(`  public:  ${r.publicUrl ?? '(none yet)'}`);
  console.log(`  tunnel:  ${r.tunnel.mode}, ${r.tunnel.state}${r.tunnel.url ? ` at ${r.tunnel.url}` : ''}`);
  if (r.relay) {
    const beat = r.relay.lastHeartbeatAt ? `last heartbeat ${r.relay.lastHeartbeatAt}` : 'no heartbeat yet';
    console.log(`  handle:  ${r.relay.handle} (${r.relay.tier}) at ${r.relay.url}, ${beat}`);
  } else console.log('  handle:  (none: `fluxy setup --handle NAME` or the setup wizard)');
  for (const [name, c] of Object.entries(r.children)) {
    console.log(`  ${name.padEnd(8)} ${c.state}${c.pid ? ` (pid ${c.pid})` : ''}${c.restarts ? `, ${c.restarts} restarts` : ''}`);
  }
  if (problem) console.log(`  ${problem}`);
  return 0;
}
