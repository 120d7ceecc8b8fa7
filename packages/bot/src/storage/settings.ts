import type { Db } from './db.ts';
import { nowIso } from './db.ts';

/** Keys the wizard and `fluxy setup` write. Secrets are never returned by the API, only whether they are set. */
export const SECRET_SETTINGS = ['apiKey', 'whisperKey', 'portalPassword'] as const;
export const PUBLIC_SETTINGS = ['provider', 'model', 'baseUrl', 'portalUsername', 'onboarded', 'activeConversationId', 'whisperBaseUrl', 'autoRollback'] as const;
/** Stored as the text `true`/`false`, shown as a boolean. */
const BOOLEAN_SETTINGS: ReadonlySet<string> = new Set(['autoRollback']);
export type SettingKey = (typeof SECRET_SETTINGS)[number] | (typeof PUBLIC_SETTINGS)[number];

export interface SettingsStore {
  get(key: SettingKey): string | undefined;
  set(key: SettingKey, value: string | undefined): void;
  setMany(values: Partial<Record<SettingKey, string | undefined>>): void;
  /** Everything safe to show a signed-in user: public values, and `hasX` for each secret. */
  publicView(): Record<string, string | boolean>;
}

export function createSettingsStore(db: Db): SettingsStore {
  const select = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const upsert = db.prepare(
    'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const remove = db.prepare('DELETE FROM settings WHERE key = ?');
  const set = (key: SettingKey, value: string | undefined) => {
    if (value === undefined) remove.run(key);
    else upsert.run(key, value, nowIso());
  };
  const store: SettingsStore = {
    get: (key) => select.get(key)?.value,
    set,
    setMany: (values) =>
      db.transaction(() => {
        for (const [k, v] of Object.entries(values)) set(k as SettingKey, v);
      })(),
    publicView() {
      const out: Record<string, string | boolean> = {};
      for (const key of PUBLIC_SETTINGS) {
        const v = store.get(key);
        if (v !== undefined) out[key] = BOOLEAN_SETTINGS.has(key) ? v === 'true' : v;
      }
      for (const key of SECRET_SETTINGS) out[`has${key[0]!.toUpperCase()}${key.slice(1)}`] = store.get(key) !== undefined;
      return out;
    },
  };
  return store;
}
