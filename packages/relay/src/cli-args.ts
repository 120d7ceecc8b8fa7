import { MAX_CONNECTIONS_PER_ADDRESS } from '@fluxy/http-forward/server-guard';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { LogLevel } from './logger.ts';
import type { RelayOptions } from './options.ts';

export const USAGE = `fluxy-relay — permanent public addresses for Fluxy bots

Usage:
  fluxy-relay --port N --domain D [options]     run the relay
  fluxy-relay grant NAME [--db URL]             allow one premium registration of NAME
  fluxy-relay revoke NAME [--db URL]            withdraw an unused grant
  fluxy-relay grants [--db URL]                 list unused grants

Options:
  --port N                   port to listen on (required)
  --domain D                 apex domain: bots at NAME.D (premium) and NAME.my.D (free) (required)
  --db URL                   SQLite path (default ./relay.db) or postgres://… URL
  --stale-after S            seconds without a heartbeat before a bot is offline (default 120)
  --allow-private-targets    allow tunnel URLs on loopback/private networks (development, tests)
  --host H                   address to bind (default 0.0.0.0)
  --workers N                processes sharing the port (default: one per core)
  --trust-proxy              behind a load balancer: believe its X-Forwarded-For/-Proto/-Host
  --scheme http|https        scheme of the addresses handed out (default https)
  --cooling-off S            seconds a released name stays reserved for its old owner (default 604800)
  --register-limit N/S       registrations per client address per S seconds (default 10/3600)
  --check-limit N/S          availability checks per client address per S seconds (default 120/60)
  --rename-limit N/S         renames per handle, and per client address, per S seconds (default 5/3600)
  --bad-token-limit N/S      requests with a wrong relay token per client address per S seconds (default 20/60)
  --max-concurrent N         in-flight proxied requests per handle per process (default 256)
  --idle-timeout S           close sockets idle this long (default 300)
  --max-connections N        open connections per client address, 0 for no cap (default 256; off with --trust-proxy)
  --shutdown-grace S         on SIGTERM, let requests finish for this long (default 10)
  --log-level L              debug, info, warn, error, silent (default info)
  --help, --version
`;

export interface CliServe {
  command: 'serve';
  port: number;
  host: string;
  workers: number;
  shutdownGraceMs: number;
  logLevel: LogLevel;
  relay: RelayOptions & { db: string };
}
export type CliCommand =
  | CliServe
  | { command: 'grant' | 'revoke'; name: string; db: string }
  | { command: 'grants'; db: string }
  | { command: 'help' | 'version' };

function fail(message: string): never {
  throw Object.assign(new Error(message), { code: 'ERR_USAGE' });
}

function int(value: string | undefined, flag: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`${flag} must be an integer ≥ ${min} (got "${value}")`);
  return n;
}

function rate(value: string | undefined, flag: string): { max: number; windowSeconds: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m) fail(`${flag} takes N/SECONDS, e.g. 10/3600 (got "${value}")`);
  return { max: Number(m[1]), windowSeconds: Math.max(1, Number(m[2])) };
}

export function parseCli(argv: string[]): CliCommand {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      domain: { type: 'string' },
      db: { type: 'string' },
      'stale-after': { type: 'string' },
      'allow-private-targets': { type: 'boolean' },
      host: { type: 'string' },
      workers: { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      scheme: { type: 'string' },
      'cooling-off': { type: 'string' },
      'register-limit': { type: 'string' },
      'check-limit': { type: 'string' },
      'rename-limit': { type: 'string' },
      'bad-token-limit': { type: 'string' },
      'max-concurrent': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'max-connections': { type: 'string' },
      'shutdown-grace': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const db = values.db ?? './relay.db';
  const [command = 'serve', name] = positionals;
  if (command === 'grant' || command === 'revoke') {
    if (!name) fail(`${command} needs a NAME`);
    return { command, name: name.toLowerCase(), db };
  }
  if (command === 'grants') return { command, db };
  if (command !== 'serve') fail(`unknown command "${command}"`);
  if (!values.port) fail('--port is required');
  if (!values.domain) fail('--domain is required');
  const scheme = values.scheme ?? 'https';
  if (scheme !== 'http' && scheme !== 'https') fail('--scheme is http or https');
  const logLevel = (values['log-level'] ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) fail('--log-level is debug, info, warn, error or silent');
  return {
    command: 'serve',
    port: int(values.port, '--port', 0),
    host: values.host ?? '0.0.0.0',
    workers: int(values.workers, '--workers', availableParallelism(), 1),
    shutdownGraceMs: int(values['shutdown-grace'], '--shutdown-grace', 10) * 1000,
    logLevel,
    relay: {
      domain: values.domain,
      db,
      staleAfterSeconds: int(values['stale-after'], '--stale-after', 120, 1),
      allowPrivateTargets: values['allow-private-targets'] ?? false,
      trustProxy: values['trust-proxy'] ?? false,
      scheme,
      coolingOffSeconds: int(values['cooling-off'], '--cooling-off', 7 * 24 * 3600),
      registerLimit: rate(values['register-limit'], '--register-limit'),
      availabilityLimit: rate(values['check-limit'], '--check-limit'),
      renameLimit: rate(values['rename-limit'], '--rename-limit'),
      badTokenLimit: rate(values['bad-token-limit'], '--bad-token-limit'),
      maxConcurrentPerHandle: int(values['max-concurrent'], '--max-concurrent', 256, 1),
      idleTimeoutSeconds: int(values['idle-timeout'], '--idle-timeout', 300, 1),
      maxConnectionsPerAddress: int(values['max-connections'], '--max-connections', MAX_CONNECTIONS_PER_ADDRESS),
    },
  };
}
