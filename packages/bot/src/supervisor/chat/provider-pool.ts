import type { AgentProvider, ProviderSettings } from '../../agent/index.ts';

/**
 * One provider for the current settings. When the settings change a new one is made; the old one
 * is retired and closed once the turns that hold it end (closing it under a running turn would
 * kill that turn's Claude Code process).
 */
export function createProviderPool(create: (settings: ProviderSettings) => AgentProvider) {
  let current: { key: string; instance: AgentProvider; users: number; retired: boolean } | null = null;
  return {
    /** The provider for these settings; call `release` when the turn ends. */
    acquire(settings: ProviderSettings): { instance: AgentProvider; release(): void } {
      const key = JSON.stringify(settings);
      if (current?.key !== key) {
        const old = current;
        if (old) {
          old.retired = true;
          if (old.users === 0) void old.instance.close();
        }
        current = { key, instance: create(settings), users: 0, retired: false };
      }
      const p = current;
      p.users++;
      return {
        instance: p.instance,
        release: () => {
          p.users--;
          if (p.retired && p.users === 0) void p.instance.close();
        },
      };
    },
    async close(): Promise<void> {
      await current?.instance.close();
    },
  };
}
export type ProviderPool = ReturnType<typeof createProviderPool>;
