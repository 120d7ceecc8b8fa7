// Regression for the security review's finding 4: the workspace backend's port N+4 answered anyone
// on the machine with any Host (`curl -H 'Host: rebind.attacker.example' 127.0.0.1:N+4/notes`
// returned the notes, and a page on another local port form-posted into it: DNS rebinding's
// shape). The backend now answers only requests that carry the supervisor's per-start secret and
// its own address as Host, enforced by a preloaded gate outside the user's code.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Instance, startInstance, waitFor } from './helpers/instance.ts';
import { rawRequest, statusOf } from './helpers/raw-http.ts';

const HEADER = 'x-fluxy-backend-secret';

describe('the backend port answers only the supervisor', () => {
  let bot: Instance;
  let token: string;
  let backendPort: number;
  let secret: string;
  const direct = (path: string, headers: Record<string, string>, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${backendPort}${path}`, { ...init, headers });
  const noteTexts = async () => {
    const res = await bot.fetch('/app/api/notes', { token });
    assert.equal(res.status, 200);
    return ((await res.json()) as { notes: { text: string }[] }).notes.map((n) => n.text);
  };

  before(async () => {
    bot = await startInstance();
    token = await bot.login();
    const { body } = await bot.health();
    backendPort = body.children.backend!.port;
    // The secret as the backend process was started with it (only this user, or root, can read this file).
    const environ = readFileSync(`/proc/${body.children.backend!.pid}/environ`, 'utf8').split('\0');
    secret = environ.find((e) => e.startsWith('FLUXY_BACKEND_SECRET='))!.slice('FLUXY_BACKEND_SECRET='.length);
    assert.ok(secret.length >= 32);
  });
  after(async () => {
    await bot?.stop();
  });

  test('through the supervisor the backend works', async () => {
    const res = await bot.fetch('/app/api/health', { token });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { ok: boolean }).ok, true);
  });

  test('a foreign Host is refused, with or without the secret', async () => {
    for (const headers of [{ host: 'rebind.attacker.example' }, { host: 'rebind.attacker.example', [HEADER]: secret }]) {
      const raw = await rawRequest(
        backendPort,
        `GET /notes HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`,
      );
      assert.equal(statusOf(raw), 403, raw.slice(0, 200));
      assert.match(raw, /"code":"forbidden"/);
      assert.doesNotMatch(raw, /"notes"/);
    }
  });

  test("the backend's own Host without the secret, or with a wrong one, is refused", async () => {
    for (const headers of [{}, { [HEADER]: 'guess' }, { [HEADER]: `${secret.slice(0, -1)}x` }] as Record<string, string>[]) {
      const res = await direct('/notes', headers);
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'forbidden');
    }
    // The gate admits exactly what the supervisor sends.
    assert.equal((await direct('/notes', { [HEADER]: secret })).status, 200);
  });

  test('a form posted straight into the backend port stores nothing', async () => {
    const res = await direct('/notes', { 'content-type': 'application/x-www-form-urlencoded' }, { method: 'POST', body: 'text=rebound' });
    assert.equal(res.status, 403);
    assert.ok(!(await noteTexts()).includes('rebound'));
  });

  test('a WebSocket upgrade straight to the backend port is refused', async () => {
    const raw = await rawRequest(
      backendPort,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${backendPort}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    assert.equal(statusOf(raw), 403);
  });

  test("a client's copy of the secret header never passes the supervisor, and the user's code cannot read the secret", async () => {
    // A route the agent might write: it shows the app's environment and the headers it receives.
    writeFileSync(
      join(bot.home, 'workspace/backend/routes/peek.ts'),
      `import { Router } from 'express';
const r = Router();
r.get('/peek', (req, res) => res.json({ env: Object.keys(process.env), headers: req.headers }));
export default r;
`,
    );
    const peek = await waitFor('the backend to load the new route', async () => {
      const res = await bot.fetch('/app/api/peek', { token, headers: { [HEADER]: 'from-the-client' } });
      return res.status === 200 ? ((await res.json()) as { env: string[]; headers: Record<string, string> }) : undefined;
    });
    assert.ok(!peek.env.includes('FLUXY_BACKEND_SECRET'));
    assert.equal(peek.headers[HEADER], undefined, 'the gate removes the header before the app sees it');
    assert.equal(peek.headers.host, `127.0.0.1:${backendPort}`);
    assert.equal(peek.headers['x-forwarded-host'], `127.0.0.1:${bot.port}`);
  });
});
