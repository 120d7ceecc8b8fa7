// Mounts every file in backend/routes/ at `/`. Each file default-exports an Express Router.
// A file that fails to load is logged and skipped: one bad edit by the agent must not take
// the whole backend (and /health) down with it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Express } from 'express';

export interface RouteLoadResult {
  loaded: string[];
  failed: { file: string; error: string }[];
}

// .d.ts and test files sit next to routes sometimes; they are not routers.
const isRouteFile = (name: string) =>
  /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') && !/\.test\.(ts|js|mjs)$/.test(name);

export async function loadRoutes(app: Express, dir: string): Promise<RouteLoadResult> {
  const result: RouteLoadResult = { loaded: [], failed: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter(isRouteFile).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw err;
  }
  for (const name of names) {
    try {
      const mod = (await import(pathToFileURL(join(dir, name)).href)) as { default?: unknown };
      // A Router is a function with `use`; an Express app would also pass, which is fine.
      if (typeof mod.default !== 'function' || !('use' in mod.default)) {
        throw new Error('the default export is not an Express Router (export default router)');
      }
      app.use('/', mod.default as Parameters<Express['use']>[1]);
      result.loaded.push(name);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`[backend] skipped routes/${name}: ${message}`);
      result.failed.push({ file: name, error: message });
    }
  }
  return result;
}
