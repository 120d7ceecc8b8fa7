// The Vite child: serves $FLUXY_HOME/workspace/client with HMR on base+2. The workspace's own
// vite.config.ts (which the agent may edit) is loaded; we only add what Fluxy's layout needs.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { settledWithin } from '../shared/settled-within.ts';

const root = process.env.FLUXY_VITE_ROOT;
const port = Number(process.env.PORT);
const cacheDir = process.env.FLUXY_VITE_CACHE;
const allow = (process.env.FLUXY_VITE_ALLOW ?? '').split(':').filter(Boolean);
if (!root || !port || !cacheDir) {
  console.error('FLUXY_VITE_ROOT, PORT and FLUXY_VITE_CACHE are required');
  process.exit(2);
}

/**
 * The workspace's own Vite, the one its vite.config.ts and plugins import (its node_modules holds
 * copies, not Fluxy's files: two Vites in one process would each load their own native bundler).
 * Fluxy's Vite only when the workspace has none (its node_modules removed and not reinstalled yet),
 * so the dashboard can still say what is wrong.
 */
async function loadVite(from: string): Promise<typeof import('vite')> {
  let entry: string;
  try {
    entry = createRequire(join(from, 'vite.config.ts')).resolve('vite');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw err;
    console.warn(`the workspace has no vite of its own (${code}); using Fluxy's`);
    return import('vite');
  }
  return (await import(pathToFileURL(entry).href)) as typeof import('vite');
}

/** Longest the first bundle may hold readiness back: a dashboard that may reload beats none. */
const FIRST_BUNDLE_MAX_MS = 60_000;

/**
 * Resolves once the dependency optimiser's first bundle is written (at once with a warm cache).
 * Readiness waits for it, so no page loads while it runs (the supervisor holds requests for a
 * starting child). A page served during that run can hold modules the run then replaces, and
 * Vite answers that with a full reload; one sent before the page's HMR socket is connected is
 * kept for the first socket that connects. On a fresh install that reload hit the first visit of
 * the dashboard, closing the chat panel the user had just opened. Vite's own guard
 * (`optimizeDeps.holdUntilCrawlEnd`) cannot help: the crawl it waits for ends 50 ms after the
 * server starts when no request has come, long before anyone visits.
 */
async function firstBundle(server: import('vite').ViteDevServer): Promise<void> {
  const optimizer = server.environments.client?.depsOptimizer;
  if (!optimizer) return;
  const settled = (async () => {
    // The scan adds what it finds to `discovered`; each entry's promise settles when the bundle holding it is written.
    await optimizer.scanProcessing;
    await Promise.all(Object.values(optimizer.metadata.discovered).map((dep) => dep.processing));
  })();
  if (!(await settledWithin(settled, FIRST_BUNDLE_MAX_MS))) {
    console.warn(`the first dependency bundle is not ready after ${FIRST_BUNDLE_MAX_MS / 1000} s; serving anyway`);
  }
}

const { createServer } = await loadVite(root);
const server = await createServer({
  root,
  cacheDir,
  clearScreen: false,
  server: {
    host: '127.0.0.1',
    port,
    strictPort: true,
    // The browser reaches HMR through the supervisor's port (same origin as the page), or through the relay.
    hmr: { clientPort: undefined },
    fs: { allow: [root, ...allow] },
  },
});
await server.listen();
await firstBundle(server);
console.log(`vite ready on 127.0.0.1:${port}`);
process.send?.({ type: 'ready' });

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.on('disconnect', shutdown);
