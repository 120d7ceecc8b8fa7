// Builds the chat app into packages/chat/dist with Vite, plus .br/.gz siblings of every text file
// (served as they are, so no response is compressed per request). Run at `npm install` and by
// `fluxy start` when dist is missing or older than the sources:
//   node --import tsx packages/chat/scripts/build.ts [--force]
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { builtHash, CHAT_DIR, CHAT_DIST, chatSourceHash, STAMP_FILE } from './build-state.ts';

const LOCK = join(CHAT_DIR, '.build-lock');
const STALE_LOCK_MS = 180_000;
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt|map)$/;

async function acquireLock(): Promise<boolean> {
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Another process (a parallel `fluxy start`, a test) is building: wait for it, then re-check.
    let age = 0;
    try {
      age = Date.now() - statSync(LOCK).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (age > STALE_LOCK_MS) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
    if (builtHash() === chatSourceHash()) return false;
  }
}

function compressTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      compressTree(full);
      continue;
    }
    if (!COMPRESSIBLE.test(entry.name)) continue;
    const data = readFileSync(full);
    if (data.length < 512) continue;
    writeFileSync(`${full}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
    writeFileSync(`${full}.gz`, gzipSync(data, { level: 9 }));
  }
}

/** Builds unless dist already matches the sources (or `force`). Resolves to whether it built. */
export async function buildChat({ force = false, quiet = false } = {}): Promise<boolean> {
  const hash = chatSourceHash();
  if (!force && builtHash() === hash) return false;
  if (!(await acquireLock())) return false;
  const tmp = join(CHAT_DIR, `.dist-tmp-${process.pid}`);
  const old = join(CHAT_DIR, `.dist-old-${process.pid}`);
  try {
    // Loaded here, not at the top: checking freshness must not pay for Vite.
    const [{ build }, { default: react }] = await Promise.all([import('vite'), import('@vitejs/plugin-react')]);
    await build({
      root: CHAT_DIR,
      base: '/fluxy/',
      configFile: false,
      logLevel: quiet ? 'warn' : 'info',
      plugins: [react()],
      build: { outDir: tmp, emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: !quiet },
    });
    compressTree(tmp);
    writeFileSync(join(tmp, STAMP_FILE), `${hash}\n`);
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(CHAT_DIST, old);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    renameSync(tmp, CHAT_DIST);
    rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  buildChat({ force }).then(
    (built) => {
      if (!built) console.log('fluxy chat app: up to date');
    },
    (err) => {
      console.error('fluxy chat app: build failed:', err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
