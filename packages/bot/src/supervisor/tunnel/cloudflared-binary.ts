import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { z } from 'zod';
import { FluxyError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { createProgressBar } from './progress-bar.ts';

/** Where cloudflared comes from, resolved once in the CLI (cli/options.ts). */
export interface CloudflaredSource {
  /** `FLUXY_CLOUDFLARED`: this executable, nothing else. */
  path?: string;
  /** `FLUXY_CLOUDFLARED_RELEASES`: a GitHub-API-shaped releases base (`…/latest` lists the assets and their SHA-256). */
  releases: string;
  /** The PATH to search. */
  searchPath: string;
}

export const DEFAULT_CLOUDFLARED_RELEASES = 'https://api.github.com/repos/cloudflare/cloudflared/releases';

/** cloudflared's release asset for this machine; undefined where Cloudflare builds none. */
export function assetName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | undefined {
  const archName = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' } as Record<string, string>)[arch];
  if (!archName) return undefined;
  if (platform === 'linux') return `cloudflared-linux-${archName}`;
  if (platform === 'darwin' && (archName === 'amd64' || archName === 'arm64')) return `cloudflared-darwin-${archName}.tgz`;
  if (platform === 'win32' && (archName === 'amd64' || archName === '386')) return `cloudflared-windows-${archName}.exe`;
  return undefined;
}

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The contract's order: FLUXY_CLOUDFLARED, the PATH, `$FLUXY_HOME/bin/cloudflared`; undefined when none is there. */
export function findCloudflared(source: CloudflaredSource, binDir: string): string | undefined {
  if (source.path) {
    if (!executable(source.path)) throw new FluxyError('cloudflared_missing', `FLUXY_CLOUDFLARED names ${source.path}, which is not an executable file.`);
    return source.path;
  }
  const name = process.platform === 'win32' ? 'cloudflared.exe' : 'cloudflared';
  for (const dir of source.searchPath.split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  const own = join(binDir, name);
  return executable(own) ? own : undefined;
}

const ReleaseSchema = z.object({
  tag_name: z.string(),
  assets: z.array(z.object({ name: z.string(), browser_download_url: z.string(), digest: z.string().nullish() })),
});

/** What a failed download tells the user to do; Fluxy keeps serving locally meanwhile. */
export const DOWNLOAD_ADVICE =
  'Fluxy keeps running locally. Install cloudflared yourself (https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/) ' +
  'and put it on your PATH or set FLUXY_CLOUDFLARED to it, then restart Fluxy; or turn the tunnel off with `fluxy setup --tunnel off`.';

const fail = (why: string) => new FluxyError('cloudflared_download_failed', `Could not download cloudflared: ${why}. ${DOWNLOAD_ADVICE}`);

/**
 * Downloads cloudflared into `binDir`, checking its SHA-256 against the release's published digest
 * (from the API, not from the file's own server). A file that does not match is deleted and never
 * run. A terminal gets a progress bar.
 */
export async function downloadCloudflared(source: CloudflaredSource, binDir: string, log: Logger, fetchImpl: typeof fetch = fetch): Promise<string> {
  const asset = assetName();
  if (!asset) throw fail(`Cloudflare publishes no build for ${process.platform}/${process.arch}`);
  let release: z.infer<typeof ReleaseSchema>;
  try {
    const res = await fetchImpl(`${source.releases.replace(/\/+$/, '')}/latest`, { headers: { accept: 'application/vnd.github+json' }, signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`the release list answered ${res.status}`);
    release = ReleaseSchema.parse(await res.json());
  } catch (err) {
    throw fail(`cannot read the release list at ${source.releases} (${(err as Error).message})`);
  }
  const entry = release.assets.find((a) => a.name === asset);
  if (!entry) throw fail(`release ${release.tag_name} has no ${asset}`);
  const expected = /^sha256:([0-9a-f]{64})$/i.exec(entry.digest ?? '')?.[1]?.toLowerCase();
  if (!expected) throw fail(`release ${release.tag_name} publishes no SHA-256 for ${asset}, so it cannot be checked`);

  mkdirSync(binDir, { recursive: true });
  const partial = join(binDir, `${asset}.download`);
  log.info(`downloading cloudflared ${release.tag_name} (${asset})`);
  try {
    const res = await fetchImpl(entry.browser_download_url, { signal: AbortSignal.timeout(300_000) });
    if (!res.ok || !res.body) throw new Error(`the download answered ${res.status}`);
    const total = Number(res.headers.get('content-length')) || undefined;
    const bar = createProgressBar('cloudflared', total);
    const hash = createHash('sha256');
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bar.advance(chunk.length);
    });
    await pipeline(body, createWriteStream(partial, { mode: 0o700 }));
    bar.done();
    const actual = hash.digest('hex');
    if (actual !== expected) {
      rmSync(partial, { force: true });
      throw fail(`the file's SHA-256 (${actual.slice(0, 12)}…) does not match the release's (${expected.slice(0, 12)}…); it was deleted`);
    }
  } catch (err) {
    rmSync(partial, { force: true });
    if (err instanceof FluxyError) throw err;
    throw fail((err as Error).message);
  }
  const name = process.platform === 'win32' ? 'cloudflared.exe' : 'cloudflared';
  const target = join(binDir, name);
  if (asset.endsWith('.tgz')) {
    const dir = mkdtempSync(join(binDir, 'unpack-'));
    try {
      await promisify(execFile)('tar', ['-xzf', partial, '-C', dir]);
      renameSync(join(dir, 'cloudflared'), target);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(partial, { force: true });
    }
  } else renameSync(partial, target);
  chmodSync(target, 0o700);
  log.info(`cloudflared installed at ${target}`);
  return target;
}
