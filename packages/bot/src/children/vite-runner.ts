// The Vite child: serves $FLUXY_HOME/workspace/client with HMR on base+2. The workspace's own
// vite.config.ts (which the agent may edit) is loaded; we only add what Fluxy's layout needs.
import { createServer } from 'vite';

const root = process.env.FLUXY_VITE_ROOT;
const port = Number(process.env.PORT);
const cacheDir = process.env.FLUXY_VITE_CACHE;
const allow = (process.env.FLUXY_VITE_ALLOW ?? '').split(':').filter(Boolean);
if (!root || !port || !cacheDir) {
  console.error('FLUXY_VITE_ROOT, PORT and FLUXY_VITE_CACHE are required');
  process.exit(2);
}

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
