// Whether packages/chat/dist matches the sources. Light on purpose (no Vite): `fluxy start` reads it
// on every start to decide whether the chat app needs a build.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHAT_DIR = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const CHAT_DIST = join(CHAT_DIR, 'dist');
export const STAMP_FILE = '.source-hash';
const PROTOCOL_SRC = resolve(CHAT_DIR, '../protocol/src');

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

/** A hash of everything the build reads: our sources, the protocol's, and the build settings. */
export function chatSourceHash(): string {
  const files = [
    ...walk(join(CHAT_DIR, 'src'), []),
    ...walk(PROTOCOL_SRC, []),
    join(CHAT_DIR, 'index.html'),
    join(CHAT_DIR, 'package.json'),
    join(CHAT_DIR, 'scripts/build.ts'),
  ].sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file.slice(CHAT_DIR.length));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

export function builtHash(dist = CHAT_DIST): string | undefined {
  try {
    return readFileSync(join(dist, STAMP_FILE), 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function isChatBuildFresh(): boolean {
  return builtHash() === chatSourceHash();
}
