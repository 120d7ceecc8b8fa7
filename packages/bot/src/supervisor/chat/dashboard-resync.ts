// After a turn, the dashboard gets one last hot update of every client file the turn changed.
// Two edits of one file in quick succession (the agent's Edit, then another Edit) make Vite send
// two updates; the page fetches both modules at once and whichever finishes evaluating last is
// the one React Refresh keeps, so the older version could stay on screen until a reload (seen in
// agent-edits-dashboard-browser.test.ts). Touching the files once the turn is over makes Vite's
// watcher send a single update each, of the final content, with nothing left to race it.
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.ts';

/** Files the dashboard's Vite serves: under client/, not its dependencies. */
function isClientSource(file: string): boolean {
  return file.startsWith('client/') && !file.includes('node_modules/');
}

export async function resyncDashboard(workspaceDir: string, changed: string[], log: Logger): Promise<void> {
  const now = new Date();
  await Promise.all(
    changed.filter(isClientSource).map((file) =>
      utimes(join(workspaceDir, file), now, now).catch((err: NodeJS.ErrnoException) => {
        // A file the turn deleted has nothing to resend; Vite already saw it go.
        if (err.code !== 'ENOENT') log.warn('cannot resend a dashboard update', { file, error: err });
      }),
    ),
  );
}
