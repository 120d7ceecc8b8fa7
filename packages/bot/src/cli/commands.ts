import { setTimeout as delay } from 'node:timers/promises';
import { HANDLE_PATTERN, OnboardSchema } from '@fluxy/protocol';
import { loadConfig, updateConfig } from '../shared/config.ts';
import { localUrl } from '../shared/local-url.ts';
import type { FluxyPaths } from '../shared/paths.ts';
import { STATUS_HEADER } from '../shared/session-token.ts';
import { openDatabase } from '../storage/db.ts';
import { applyOnboard } from '../storage/onboard.ts';
import { createSettingsStore } from '../storage/settings.ts';
import { removeSetupToken } from '../shared/setup-token.ts';
import { isAlive, runningInstance } from './pid.ts';

export async function stopCommand(paths: FluxyPaths): Promise<number> {
  const running = runningInstance(paths.pidFile);
  if (!running) {
    console.log('Fluxy is not running.');
    return 0;
  }
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (isAlive(running.pid)) {
    if (Date.now() > deadline) {
      console.error(`Fluxy (pid ${running.pid}) did not stop within 10 s; sending SIGKILL.`);
      process.kill(running.pid, 'SIGKILL');
      break;
    }
    await delay(50);
  }
  console.log('Fluxy stopped.');
  return 0;
}

export async function statusCommand(paths: FluxyPaths): Promise<number> {
  const running = runningInstance(paths.pidFile);
  const config = loadConfig(paths.config);
  if (!running) {
    console.log(`Fluxy is not running (data: ${paths.home}).`);
    return 3;
  }
  const url = localUrl(running.host, running.port);
  console.log(`Fluxy is running (pid ${running.pid}).`);
  console.log(`  local:  ${url}`);
  console.log(`  public: ${config.relay.publicUrl ?? '(none: no relay handle yet)'}`);
  try {
    // The pid file's key buys the children's details, which /api/health shows no stranger.
    const headers: Record<string, string> = running.statusKey ? { [STATUS_HEADER]: running.statusKey } : {};
    const res = await fetch(`${url}/api/health`, { headers, signal: AbortSignal.timeout(5000) });
    const health = (await res.json()) as { children?: Record<string, { state: string; restarts: number; pid: number | null }> };
    for (const [name, c] of Object.entries(health.children ?? {})) {
      console.log(`  ${name.padEnd(8)} ${c.state}${c.pid ? ` (pid ${c.pid})` : ''}${c.restarts ? `, ${c.restarts} restarts` : ''}`);
    }
    if (!res.ok) console.log('  the worker is not answering; the supervisor reported the states above');
  } catch (err) {
    console.log(`  health check failed: ${(err as Error).message}`);
  }
  return 0;
}

export interface SetupArgs {
  password?: string;
  username?: string;
  provider?: string;
  model?: string;
  apiKey?: string;
  baseUrl?: string;
  whisperKey?: string;
  handle?: string;
  tier?: string;
}

/** Headless onboarding: the same writer as the wizard's, straight into memory.db (safe while the bot runs: WAL). */
export async function setupCommand(paths: FluxyPaths, args: SetupArgs): Promise<number> {
  const { handle, tier, ...rest } = args;
  const parsed = OnboardSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    console.error(`fluxy setup: --${String(issue.path[0] ?? 'value').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}`);
    return 2;
  }
  if (tier && tier !== 'free' && tier !== 'premium') {
    console.error('fluxy setup: --tier must be free or premium');
    return 2;
  }
  if (handle && !HANDLE_PATTERN.test(handle)) {
    console.error('fluxy setup: --handle takes 3-32 lowercase letters, digits and inner hyphens');
    return 2;
  }
  const { mkdirSync } = await import('node:fs');
  mkdirSync(paths.home, { recursive: true });
  const db = openDatabase(paths.db);
  try {
    const settings = createSettingsStore(db);
    if (!parsed.data.password && !settings.get('portalPassword')) {
      console.error('fluxy setup: --password is required (no portal password is set yet)');
      return 2;
    }
    await applyOnboard(settings, parsed.data);
  } finally {
    db.close();
  }
  if (handle || tier) {
    updateConfig(paths.config, (c) => {
      if (handle) c.relay.handle = handle;
      c.relay.tier = (tier as 'free' | 'premium' | undefined) ?? c.relay.tier ?? 'free';
    });
  }
  removeSetupToken(paths.setupToken);
  console.log(`Fluxy is set up (data: ${paths.home}).`);
  return 0;
}
