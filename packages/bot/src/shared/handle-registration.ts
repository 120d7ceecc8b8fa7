import type { HandleInfo, RelayTier } from '@fluxy/protocol';
import { loadConfig, updateConfig } from './config.ts';
import { createRelayClient, DEFAULT_RELAY_URL } from './relay-client.ts';

/**
 * Claiming, renaming and releasing this bot's handle at its relay, and keeping config.json (0600)
 * in step: used by `fluxy setup --handle` and by the worker's `/api/handle/*` (the wizard). The
 * running supervisor picks the change up from config.json. Relay refusals are thrown as
 * `RelayError`s with the relay's code and message.
 */

export function handleInfo(configPath: string): HandleInfo {
  const { relay } = loadConfig(configPath);
  const held = Boolean(relay.token && relay.handle);
  return {
    relayUrl: relay.url ?? DEFAULT_RELAY_URL,
    handle: held ? relay.handle! : null,
    tier: held ? (relay.tier ?? 'free') : null,
    publicUrl: held ? (relay.publicUrl ?? null) : null,
  };
}

/** Registers `username`, or renames the handle this bot already holds at the same relay (a tier change is a new registration). */
export async function claimHandle(configPath: string, username: string, tier: RelayTier): Promise<HandleInfo> {
  const { relay } = loadConfig(configPath);
  const relayUrl = relay.url ?? DEFAULT_RELAY_URL;
  const client = createRelayClient(relayUrl);
  const name = username.trim().toLowerCase();
  if (relay.token && relay.handle && (relay.tier ?? 'free') === tier) {
    if (relay.handle === name) return handleInfo(configPath);
    const renamed = await client.change(relay.token, name);
    updateConfig(configPath, (c) => {
      c.relay.handle = renamed.username;
      c.relay.publicUrl = renamed.relayUrl;
    });
    return handleInfo(configPath);
  }
  // The old token, if any, lets the relay give back a name this bot released and still holds.
  const registered = await client.register(name, tier, relay.token);
  updateConfig(configPath, (c) => {
    c.relay.url = relayUrl;
    c.relay.handle = registered.username;
    c.relay.tier = registered.tier;
    c.relay.token = registered.token;
    c.relay.publicUrl = registered.relayUrl;
  });
  return handleInfo(configPath);
}

/** A new name on the same tier (a fresh registration when this bot holds none). */
export function renameHandle(configPath: string, username: string): Promise<HandleInfo> {
  return claimHandle(configPath, username, loadConfig(configPath).relay.tier ?? 'free');
}

/** Gives the name up at the relay and forgets it here (the tunnel keeps running; nothing points at it). */
export async function releaseHandle(configPath: string): Promise<HandleInfo> {
  const { relay } = loadConfig(configPath);
  if (relay.token && relay.handle) await createRelayClient(relay.url ?? DEFAULT_RELAY_URL).release(relay.token);
  updateConfig(configPath, (c) => {
    c.relay.handle = undefined;
    c.relay.token = undefined;
    c.relay.publicUrl = undefined;
  });
  return handleInfo(configPath);
}
