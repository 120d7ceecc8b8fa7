import { setTimeout as delay } from 'node:timers/promises';
import { HANDLE_PATTERN, OnboardSchema } from '@fluxy/protocol';
import { isOwnTunnelUrl, updateConfig } from '../shared/config.ts';
import { claimHandle } from '../shared/handle-registration.ts';
import type { FluxyPaths } from '../shared/paths.ts';
import { checkRelayUrl, RelayError } from '../shared/relay-client.ts';
import { openDatabase } from '../storage/db.ts';
import { applyOnboard } from '../storage/onboard.ts';
import { createSettingsStore } from '../storage/settings.ts';
import { removeSetupToken } from '../shared/setup-token.ts';
import { isAlive, runningInstance } from './pid.ts';

export { statusCommand } from './status.ts';

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
  relay?: string;
  tunnel?: string;
}

/** Headless onboarding: the same writer as the wizard's, straight into memory.db (safe while the bot runs: WAL). */
export async function setupCommand(paths: FluxyPaths, args: SetupArgs): Promise<number> {
  const { handle, tier, relay, tunnel, ...rest } = args;
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
  const relayUrl = relay === undefined ? undefined : checkRelayUrl(relay);
  if (relay !== undefined && !relayUrl) {
    console.error('fluxy setup: --relay takes the relay\'s http(s) URL');
    return 2;
  }
  if (tunnel !== undefined && tunnel !== 'cloudflared' && tunnel !== 'off' && !isOwnTunnelUrl(tunnel)) {
    console.error('fluxy setup: --tunnel takes cloudflared, off, or the https URL at which this bot is already reachable');
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
  removeSetupToken(paths.setupToken);
  if (relayUrl || tunnel) {
    updateConfig(paths.config, (c) => {
      if (relayUrl && relayUrl !== c.relay.url) {
        // A token of another relay means nothing at this one.
        c.relay = { url: relayUrl };
      }
      if (tunnel) c.tunnel = tunnel;
    });
  }
  if (handle) {
    // A password exists by now (checked above): registering is allowed.
    try {
      const info = await claimHandle(paths.config, handle, (tier as 'free' | 'premium' | undefined) ?? 'free');
      console.log(`Your handle: ${info.publicUrl ?? info.handle}`);
    } catch (err) {
      if (!(err instanceof RelayError)) throw err;
      const verb = err.code === 'relay_unreachable' ? 'could not register' : 'the relay refused';
      console.error(`fluxy setup: ${verb} the handle ${handle}: ${err.message} (${err.code})`);
      return 1;
    }
  }
  console.log(`Fluxy is set up (data: ${paths.home}).`);
  return 0;
}
