import type { StoredProviderSettings } from '../worker-client.ts';

/** How long the provider settings are believed without asking the worker again. */
export const SETTINGS_TTL_MS = 5_000;

/**
 * Provider settings change rarely and only through the worker; a short cache takes a round trip
 * off every turn. `settings:save` and a worker reply that says "settings changed" drop it at once.
 */
export function createSettingsCache(fetchSettings: () => Promise<StoredProviderSettings>, ttlMs = SETTINGS_TTL_MS) {
  let cached: { value: Promise<StoredProviderSettings>; until: number } | null = null;
  return {
    get(): Promise<StoredProviderSettings> {
      if (!cached || cached.until < Date.now()) {
        const value = fetchSettings();
        const entry = { value, until: Date.now() + ttlMs };
        cached = entry;
        // A failed fetch is not cached: the next turn asks again.
        value.catch(() => {
          if (cached === entry) cached = null;
        });
      }
      return cached.value;
    },
    invalidate(): void {
      cached = null;
    },
  };
}
export type SettingsCache = ReturnType<typeof createSettingsCache>;
