// Acceptance 1 and 3 of "Public access": `fluxy setup --relay --handle`, then `fluxy start` with a
// (fake) cloudflared in front of N+3 and the real relay on loopback: the dashboard, the login and a
// chat through the relay's Host; a taken handle refused with the relay's reason; SIGTERM marks the
// bot offline at the relay at once and leaves no cloudflared.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { ServerMessage } from '@fluxy/protocol';
import { type FakeOpenAI, startFakeOpenAI } from './fakes/openai.ts';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { DOMAIN, installFakeCloudflared, request, startRelay, statusJson, type TestRelay } from './helpers/public-access.ts';

const HOST = `ana.my.${DOMAIN}`;
let relay: TestRelay;
let openai: FakeOpenAI;
let bot: Instance;
const cloudflared = installFakeCloudflared();

before(async () => {
  relay = await startRelay({ scheme: 'http' });
  openai = await startFakeOpenAI(() => [{ text: ['Hello ', 'through the relay!'] }]);
});
after(async () => {
  await bot?.stop();
  await Promise.all([relay?.close(), openai?.close()]);
});

test('setup registers the handle; a taken one is refused with the relay\'s reason and exit 1', async () => {
  const home = mkdtempSync(join(tmpdir(), 'fluxy-relay-e2e-'));
  const env = { FLUXY_HOME: home, FLUXY_CLOUDFLARED: cloudflared.path };
  const setup = await runCli(
    ['setup', '--password', 'pw', '--provider', 'openai', '--model', 'm', '--api-key', 'sk', '--base-url', openai.url, '--relay', relay.url, '--handle', 'ana', '--tier', 'free'],
    env,
  );
  assert.equal(setup.code, 0, setup.stderr);
  assert.match(setup.stdout, new RegExp(`http://${HOST}`));

  const other = { FLUXY_HOME: mkdtempSync(join(tmpdir(), 'fluxy-relay-e2e-')) };
  const taken = await runCli(['setup', '--password', 'pw', '--relay', relay.url, '--handle', 'ana', '--tier', 'free'], other);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /taken/);
  assert.match(taken.stderr, /handle_taken/);

  bot = await startInstance({ home, password: null, tunnel: true, env });
});

test('through the relay: dashboard → login, login, and a chat over the relay\'s WebSocket', async () => {
  // Online at the relay: the dashboard answers (a redirect to the login page) instead of the 503 page.
  const dashboard = await waitFor('the bot online at the relay', async () => {
    const r = await request(relay.url, { host: HOST, path: '/', headers: { accept: 'text/html' } });
    return r.status === 302 ? r : undefined;
  });
  assert.match(String(dashboard.headers.location), /^\/fluxy\/login\?next=/);

  const status = await statusJson(bot.env);
  assert.equal(status.running, true);
  assert.equal(status.tunnel.mode, 'cloudflared');
  assert.equal(status.tunnel.state, 'up');
  assert.equal(status.tunnel.url, cloudflared.alive()[0]?.url);
  assert.equal(status.publicUrl, `http://${HOST}`);
  assert.equal(status.relay?.handle, 'ana');
  assert.ok(status.relay?.lastHeartbeatAt, 'a heartbeat is recorded');
  const human = await runCli(['status'], bot.env);
  assert.equal(human.code, 0);
  assert.match(human.stdout, new RegExp(`public:\\s+http://${HOST.replaceAll('.', '\\.')}`));
  assert.match(human.stdout, /tunnel:\s+cloudflared, up at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(human.stdout, /handle:\s+ana \(free\) at http:\/\/127\.0\.0\.1:\d+, last heartbeat 20\d\d-/);
  const args = cloudflared.alive()[0]!.args;
  assert.deepEqual(args.slice(0, 1), ['tunnel']);
  for (const flag of ['--no-autoupdate', '--metrics', '--config', '--url']) assert.ok(args.includes(flag), flag);
  assert.equal(args[args.indexOf('--url') + 1], `http://127.0.0.1:${bot.port + 3}`);
  assert.match(args[args.indexOf('--metrics') + 1]!, /^127\.0\.0\.1:\d+$/);

  // A browser on the bot's own page signs in (the cookie write passes the origin check at N+3).
  const origin = `http://${HOST}`;
  const login = await request(relay.url, {
    method: 'POST',
    host: HOST,
    path: '/api/portal/login',
    headers: { 'content-type': 'application/json', origin, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ password: 'pw' }),
  });
  assert.equal(login.status, 200, login.text);
  const cookie = String(login.headers['set-cookie']?.[0]).split(';')[0]!;
  assert.match(cookie, /^fluxy_session=/, 'plain http visitor: the plain cookie');
  const page = await request(relay.url, { host: HOST, path: '/api/conversations', headers: { cookie } });
  assert.equal(page.status, 200);
  const write = await request(relay.url, {
    method: 'POST',
    host: HOST,
    path: '/api/conversations',
    headers: { cookie, origin, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'from the phone' }),
  });
  assert.equal(write.status, 201, write.text);
  const foreign = await request(relay.url, {
    method: 'POST',
    host: HOST,
    path: '/api/conversations',
    headers: { cookie, origin: `http://eve.my.${DOMAIN}`, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(foreign.status, 403, 'a sibling bot\'s page is still refused');

  const { port } = new URL(relay.url);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/fluxy/ws`, { headers: { host: HOST, cookie, origin } });
  const frames: ServerMessage[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as ServerMessage));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'user:message', content: 'hi from the phone' }));
  const answer = await waitFor('bot:response through the relay', () => frames.find((f) => f.type === 'bot:response'));
  assert.equal(answer.type === 'bot:response' && answer.content, 'Hello through the relay!');
  assert.ok(frames.some((f) => f.type === 'bot:token'), 'tokens streamed through the relay');
  ws.close();

  const wrongOrigin = new WebSocket(`ws://127.0.0.1:${port}/fluxy/ws`, { headers: { host: HOST, cookie, origin: `http://eve.my.${DOMAIN}` } });
  const refused = await new Promise<number>((resolve) => {
    wrongOrigin.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    wrongOrigin.once('open', () => resolve(101));
  });
  assert.equal(refused, 403);
});

test('SIGTERM: offline at the relay at once (its 503 page), and no cloudflared left', async () => {
  const pids = cloudflared.instances().map((i) => i.pid);
  assert.ok(pids.length > 0);
  assert.equal(await bot.stop(), 0);
  const r = await request(relay.url, { host: HOST, path: '/', headers: { accept: 'text/html' } });
  assert.equal(r.status, 503, 'the relay serves its offline page at once, not after the stale timeout');
  assert.deepEqual(cloudflared.alive(), [], 'no cloudflared is left');
});
