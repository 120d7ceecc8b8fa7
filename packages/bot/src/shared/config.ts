import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { FluxyError, isErrno } from './errors.ts';

/** `$FLUXY_HOME/config.json`: what the supervisor needs before the worker runs. */
export const ConfigSchema = z.object({
  port: z.number().int().min(1).max(65530).default(3000),
  host: z.string().default('127.0.0.1'),
  tunnel: z.object({ enabled: z.boolean().default(true) }).prefault({}),
  relay: z
    .object({
      url: z.string().optional(),
      handle: z.string().optional(),
      tier: z.enum(['free', 'premium']).optional(),
      token: z.string().optional(),
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
