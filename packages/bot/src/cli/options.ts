import type { AgentProviderOptions } from '../agent/index.ts';
import { type LogLevel, resolveLogLevel } from '../shared/logger.ts';
import { type FluxyPaths, resolvePaths } from '../shared/paths.ts';
import { type CloudflaredSource, DEFAULT_CLOUDFLARED_RELEASES } from '../supervisor/tunnel/cloudflared-binary.ts';

/** Everything the bot's processes take from the outside world, resolved once in the CLI. */
export interface BotOptions {
  /** `FLUXY_HOME` (default ~/.fluxy) and what lives in it. */
  paths: FluxyPaths;
  /** `--port`; unset: config.json's port (default 3000). */
  port?: number;
  /** `--host`; unset: config.json's host (default 127.0.0.1). */
  host?: string;
  /** `FLUXY_LOG_LEVEL` (default info); the children get the same variable. */
  logLevel: LogLevel;
  /** `FLUXY_TRACE_TOKENS=1`, benchmarks only: each bot:token carries when the provider handed it over. */
  traceTokens: boolean;
  /** `FLUXY_AGENT_MAX_RETRIES`: retries of a failed model request (default 2); tests that want failures at once set 0. */
  providerOptions: AgentProviderOptions;
  /** `FLUXY_HEADERS_TIMEOUT_MS`: how long a client may take to send its headers; shortened by tests that hold idle connections past it. */
  headersTimeoutMs?: number;
  /** `--no-tunnel`: the tunnel is off for this run. */
  noTunnel: boolean;
  /** `FLUXY_CLOUDFLARED` (a path), `FLUXY_CLOUDFLARED_RELEASES` (the download's release base), and the PATH to search. */
  cloudflared: CloudflaredSource;
  /** `FLUXY_TUNNEL_WATCHDOG_MS`: the tunnel watchdog's period (default 30 s); tests shorten it. */
  tunnelWatchdogMs?: number;
}

const count = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);

export function resolveBotOptions(flags: { port?: number; host?: string; noTunnel?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): BotOptions {
  const retries = env.FLUXY_AGENT_MAX_RETRIES;
  const headersTimeout = env.FLUXY_HEADERS_TIMEOUT_MS;
  return {
    noTunnel: flags.noTunnel ?? false,
    cloudflared: {
      path: env.FLUXY_CLOUDFLARED || undefined,
      releases: env.FLUXY_CLOUDFLARED_RELEASES || DEFAULT_CLOUDFLARED_RELEASES,
      searchPath: env.PATH ?? '',
    },
    tunnelWatchdogMs: count(env.FLUXY_TUNNEL_WATCHDOG_MS),
    paths: resolvePaths(env),
    port: flags.port,
    host: flags.host,
    logLevel: resolveLogLevel(env.FLUXY_LOG_LEVEL),
    traceTokens: env.FLUXY_TRACE_TOKENS === '1',
    providerOptions: retries !== undefined && /^\d+$/.test(retries) ? { maxRetries: Number(retries) } : {},
    headersTimeoutMs: headersTimeout !== undefined && /^\d+$/.test(headersTimeout) ? Number(headersTimeout) : undefined,
  };
}
