import { chmodSync, copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../../src/cli/pid.ts';
import { runCli } from './instance.ts';

export { DOMAIN, request, startRelay, type TestRelay } from '../../../relay/test/helpers.ts';

const FAKE = fileURLToPath(new URL('../fakes/cloudflared.mjs', import.meta.url));

export interface FakeInstance {
  pid: number;
  url: string;
  metrics: string;
  args: string[];
}

/** The fake cloudflared (test/fakes/cloudflared.mjs) copied into a directory of its own, so its instances file is this test's. */
export function installFakeCloudflared() {
  const dir = mkdtempSync(join(tmpdir(), 'fluxy-fake-cf-'));
  const path = join(dir, 'cloudflared');
  copyFileSync(FAKE, path);
  chmodSync(path, 0o755);
  const instances = (): FakeInstance[] => {
    try {
      return readFileSync(join(dir, 'instances.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as FakeInstance);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  };
  return {
    path,
    dir,
    instances,
    /** Instances whose process still runs. */
    alive: () => instances().filter((i) => isAlive(i.pid)),
  };
}

export interface StatusJson {
  running: boolean;
  pid: number | null;
  localUrl: string;
  publicUrl: string | null;
  tunnel: { mode: string; state: string; url: string | null };
  relay: { url: string; handle: string; tier: string; lastHeartbeatAt: string | null } | null;
  children: Record<string, { state: string; pid: number | null; restarts: number }>;
}

export async function statusJson(env: NodeJS.ProcessEnv): Promise<StatusJson> {
  const r = await runCli(['status', '--json'], env);
  return JSON.parse(r.stdout) as StatusJson;
}

/** The real relay on a chosen port and database, so a test can stop it and bring the same one back. */
export async function startRelayAt(db: string, port = 0) {
  const { createRelay } = await import('../../../relay/src/relay.ts');
  const { createLogger } = await import('../../../relay/src/logger.ts');
  const relay = await createRelay({
    domain: 'fluxy.test',
    db,
    allowPrivateTargets: true,
    scheme: 'http',
    logger: createLogger('error', {}, () => undefined),
  });
  const url = await relay.listen(port);
  return { relay, url, port: Number(new URL(url).port), close: () => relay.close(500) };
}
