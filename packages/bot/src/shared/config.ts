import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { FluxyError, isErrno } from './errors.ts';

/**
 * A URL at which the bot is already reachable from outside (the user's own tunnel or reverse
 * proxy, pointed at N+3): https, or http for a loopback address (tests).
 */
export function isOwnTunnelUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** `cloudflared` (a quick tunnel), `off`, or the user's own public URL. Older files held `{enabled}`. */
export const TunnelSettingSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && 'enabled' in v ? ((v as { enabled: unknown }).enabled === false ? 'off' : 'cloudflared') : v),
  z.union([z.literal('cloudflared'), z.literal('off'), z.string().refine(isOwnTunnelUrl, 'cloudflared, off, or an https URL')]).default('cloudflared'),
);

/** `$FLUXY_HOME/config.json`: what the supervisor needs before the worker runs. */
export const ConfigSchema = z.object({
  port: z.number().int().min(1).max(65530).default(3000),
  host: z.string().default('127.0.0.1'),
  tunnel: TunnelSettingSchema,
  relay: z
    .object({
      url: z.string().optional(),
      handle: z.string().optional(),
      tier: z.enum(['free', 'premium']).optional(),
      /** The relay token (mode 0600 file): never logged, never in a URL. */
      token: z.string().optional(),
      /** The handle's public address as the relay said it (`https://NAME.my.D`). */
      publicUrl: z.string().optional(),
    })
    .prefault({}),
  /** Paths under /app/api that the workspace backend serves without a Fluxy session (webhooks, public pages). */
  publicPaths: z.array(z.string().startsWith('/')).default([]),
});
export type FluxyConfig = z.infer<typeof ConfigSchema>;

export function loadConfig(path: string): FluxyConfig {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return ConfigSchema.parse({});
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new FluxyError('bad_config', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FluxyError('bad_config', `${path}: ${issue?.path.join('.') || 'value'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Atomic write (temp file + rename), mode 0600: the file holds the relay token. */
export function saveConfig(path: string, config: FluxyConfig): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function updateConfig(path: string, change: (config: FluxyConfig) => void): FluxyConfig {
  const config = loadConfig(path);
  change(config);
  saveConfig(path, config);
  return config;
}
