// Acceptance 7 of "Public access": with no cloudflared anywhere, Fluxy downloads it from the release
// list (here a local server in GitHub's API shape). A corrupted file is refused by its SHA-256 and
// removed, Fluxy keeps serving locally and the log says what to do; a good one is installed and run.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { assetName } from '../src/supervisor/tunnel/cloudflared-binary.ts';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { statusJson } from './helpers/public-access.ts';

const good = readFileSync(fileURLToPath(new URL('./fakes/cloudflared.mjs', import.meta.url)));
const asset = assetName()!;
let serveCorrupted = true;
const downloads: string[] = [];
const releases = createServer((req, res) => {
  const base = `http://127.0.0.1:${(releases.address() as { port: number }).port}`;
  if (req.url === '/releases/latest') {
    res.setHeader('content-type', 'application/json');
    return void res.end(JSON.stringify({
      tag_name: '2026.1.0',
      assets: [
        { name: 'cloudflared-fips-linux-amd64', browser_download_url: `${base}/nothing`, digest: null },
        { name: asset, browser_download_url: `${base}/download/${asset}`, digest: `sha256:${createHash('sha256').update(good).digest('hex')}` },
      ],
    }));
  }
  if (req.url === `/download/${asset}`) {
    downloads.push(req.url);
    // A flipped byte in the middle: same size, different hash.
    const body = Buffer.from(good);
    if (serveCorrupted) body[body.length >> 1] = body[body.length >> 1]! ^ 0xff;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    return void res.end(body);
  }
  res.writeHead(404);
  res.end();
});

let home: string;
let env: Record<string, string>;
let bot: Instance | undefined;
before(async () => {
  await new Promise<void>((r) => releases.listen(0, '127.0.0.1', r));
  home = mkdtempSync(join(tmpdir(), 'fluxy-download-'));
  // No cloudflared on this PATH (a real one would be taken instead of downloading).
  env = { FLUXY_HOME: home, FLUXY_CLOUDFLARED_RELEASES: `http://127.0.0.1:${(releases.address() as { port: number }).port}/releases`, PATH: '/usr/bin:/bin' };
  assert.equal(existsSync('/usr/bin/cloudflared') || existsSync('/bin/cloudflared'), false);
  const setup = await runCli(['setup', '--password', 'pw'], env);
  assert.equal(setup.code, 0, setup.stderr);
});
after(async () => {
  await bot?.stop();
  releases.close();
});

test('a corrupted download is refused and removed; Fluxy runs locally and says what to do', async () => {
  bot = await startInstance({ home, password: null, tunnel: true, env });
  const b = bot;
  await waitFor('the refusal in the log', () => /does not match/.test(b.output()));
  const line = b.output().split('\n').find((l) => l.includes('does not match'))!;
  assert.match(line, /SHA-256/);
  assert.match(line, /Install cloudflared yourself/);
  assert.match(line, /FLUXY_CLOUDFLARED/);
  assert.match(line, /Fluxy keeps running locally/);
  assert.deepEqual(readdirSync(join(home, 'bin')), [], 'nothing left in bin/: neither the file nor a partial one');
  assert.equal(downloads.length, 1);
  assert.equal((await fetch(`${b.url}/api/health`)).status, 200, 'served locally');
  const status = await statusJson(b.env);
  assert.equal(status.tunnel.state, 'down');
  assert.equal(status.publicUrl, null);
  await b.stop();
  bot = undefined;
});

test('a good download is installed (owner-only, executable) and runs the tunnel', async () => {
  serveCorrupted = false;
  bot = await startInstance({ home, password: null, tunnel: true, env });
  const b = bot;
  await waitFor('the tunnel up', async () => (await statusJson(b.env)).tunnel.state === 'up', 30_000, 200);
  const installed = join(home, 'bin', 'cloudflared');
  assert.equal(statSync(installed).mode & 0o777, 0o700);
  assert.deepEqual(readFileSync(installed), good);
  assert.ok(/cloudflared installed at/.test(b.output()));
  assert.equal(downloads.length, 2);
});
