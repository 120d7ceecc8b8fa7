// The Vite child: serves $FLUXY_HOME/workspace/client with HMR on base+2. The workspace's own
// vite.config.ts (which the agent may edit) is loaded; we only add what Fluxy's layout needs.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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
