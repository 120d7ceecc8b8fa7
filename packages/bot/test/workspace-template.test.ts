// The workspace template's backend, run as the supervisor runs it: a copy of workspace/ in a temp
// dir with node_modules linked to the repo's, started with `node --import tsx backend/index.ts`.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  server.close();
  await once(server, 'close');
  return address.port;
}

interface Backend {
  child: ChildProcess;
  port: number;
  output: () => string;
}

async function startBackend(dir: string): Promise<Backend> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'backend/index.ts'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const backend = { child, port, output: () => output };
  // Poll /health with a deadline; a cold tsx start on a busy 2-core machine takes a few seconds.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`backend exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return backend;
    } catch (err) {
      if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') throw err;
    }
    if (Date.now() > deadline) throw new Error(`backend not healthy in time:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopBackend(backend: Backend): Promise<number | null> {
  if (backend.child.exitCode !== null) return backend.child.exitCode;
  const exited = once(backend.child, 'exit');
  backend.child.kill('SIGTERM');
  const timer = setTimeout(() => backend.child.kill('SIGKILL'), 5000);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return code;
}

describe('workspace template backend', () => {
  let dir: string;
  let backend: Backend;
  const url = (path: string) => `http://127.0.0.1:${backend.port}${path}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fluxy-workspace-'));
    cpSync(join(repoRoot, 'workspace'), dir, {
      recursive: true,
      filter: (src) => !/[/\\](node_modules|app\.db[^/\\]*|\.env)$/.test(src),
    });
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    backend = await startBackend(dir);
  });

  after(async () => {
    if (backend) await stopBackend(backend);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('GET /health answers ok and lists the loaded route files', async () => {
    const res = await fetch(url('/health'));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { ok: boolean; routes: string[] };
    assert.equal(body.ok, true);
    assert.ok(body.routes.includes('notes.ts'));
  });

  test('the example notes route stores notes in app.db', async () => {
    const created = await fetch(url('/notes'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'buy milk' }),
    });
    assert.equal(created.status, 201);
    const { note } = (await created.json()) as { note: { id: number; text: string } };
    assert.equal(note.text, 'buy milk');

    const list = (await (await fetch(url('/notes'))).json()) as { notes: { id: number }[] };
    assert.ok(list.notes.some((n) => n.id === note.id));

    assert.equal((await fetch(url(`/notes/${note.id}`), { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(url(`/notes/${note.id}`), { method: 'DELETE' })).status, 404);
  });

  test('unknown routes and bad bodies get JSON errors', async () => {
    const missing = await fetch(url('/no-such-route'));
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /application\/json/);
    const body = (await missing.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'not_found');

    const bad = await fetch(url('/notes'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'bad_json');

    const huge = await fetch(url('/notes'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(11 * 1024 * 1024) }),
    });
    assert.equal(huge.status, 413);
  });

  test('a new route file is mounted after a restart and reads backend/.env', async () => {
    writeFileSync(
      join(dir, 'backend/routes/hello.ts'),
      `import { Router } from 'express';
const router = Router();
router.get('/hello', (_req, res) => { res.json({ hello: process.env.GREETING ?? 'world' }); });
export default router;
`,
    );
    writeFileSync(join(dir, 'backend/.env'), 'GREETING=from-dotenv\n');
    assert.equal(await stopBackend(backend), 0, 'SIGTERM exits cleanly');
    backend = await startBackend(dir);
    const res = await fetch(url('/hello'));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { hello: 'from-dotenv' });
  });

  test('broken route files are skipped and the rest still works', async () => {
    writeFileSync(join(dir, 'backend/routes/broken.ts'), 'export default function ( {\n');
    writeFileSync(join(dir, 'backend/routes/throws.ts'), "throw new Error('boom at import');\n");
    writeFileSync(join(dir, 'backend/routes/not-a-router.ts'), 'export default 42;\n');
    await stopBackend(backend);
    backend = await startBackend(dir);

    const health = await fetch(url('/health'));
    assert.equal(health.status, 200);
    const body = (await health.json()) as { routes: string[]; failedRoutes: { file: string }[] };
    assert.deepEqual(body.failedRoutes.map((f) => f.file).sort(), ['broken.ts', 'not-a-router.ts', 'throws.ts']);
    assert.ok(body.routes.includes('hello.ts') && body.routes.includes('notes.ts'));
    assert.equal((await fetch(url('/hello'))).status, 200);
    assert.match(backend.output(), /skipped routes\/throws\.ts: boom at import/);
  });
});
