import { type FSWatcher, watch } from 'node:fs';
import type { Logger } from '../shared/logger.ts';

const WATCHED = /\.(ts|js|json)$/;
const QUIET_MS = 500;

/**
 * Restarts the workspace backend when its sources change (the agent, an editor, anything), after
 * 500 ms of quiet so that a burst of edits gives one restart. `hold()` suspends it while the agent
 * works: the agent's turn ends with one restart of its own, not one per file.
 */
export function createBackendWatcher(dir: string, onChange: (files: string[]) => void, log: Logger) {
  let timer: NodeJS.Timeout | null = null;
  let pending = new Set<string>();
  let holds = 0;
  let watcher: FSWatcher | null = null;

  const fire = () => {
    timer = null;
    if (holds > 0 || pending.size === 0) return;
    const files = [...pending];
    pending = new Set();
    log.info(`backend sources changed (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}); restarting it`);
    onChange(files);
  };

  return {
    start(): void {
      watcher = watch(dir, { recursive: true }, (_event, filename) => {
        if (!filename || !WATCHED.test(filename) || filename.split(/[\\/]/).includes('node_modules')) return;
        pending.add(filename);
        if (holds > 0) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(fire, QUIET_MS);
      });
      watcher.on('error', (err) => log.warn('backend watcher error', { error: err }));
    },
    hold(): void {
      holds++;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    /**
     * Ends a hold. The last hold to end takes the changes seen meanwhile (backend-relative paths)
     * and answers for them: the watcher forgets them, the caller restarts the backend if it wants.
     */
    release(): string[] {
      holds = Math.max(0, holds - 1);
      if (holds > 0) return [];
      const files = [...pending];
      pending = new Set();
      return files;
    },
    close(): void {
      if (timer) clearTimeout(timer);
      watcher?.close();
      watcher = null;
    },
  };
}
export type BackendWatcher = ReturnType<typeof createBackendWatcher>;
