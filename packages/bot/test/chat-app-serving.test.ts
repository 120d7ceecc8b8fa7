// How /fluxy/ files are chosen: the app's routes and hashed assets from the build, the widget from
// its own directory, and a page that says what is going on when no build exists (yet, or at all).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ChatAppBuild, createChatAppHandler } from '../src/supervisor/chat-app.ts';

describe('chat app serving', () => {
  const root = mkdtempSync(join(tmpdir(), 'fluxy-chat-serving-'));
  const dist = join(root, 'dist');
  const files = join(root, 'static');
  const build: ChatAppBuild = { state: 'ready' };
  let server: Server;
  let base: string;

  before(async () => {
    mkdirSync(join(dist, 'assets'), { recursive: true });
    mkdirSync(files);
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(dist, 'assets/index-abc123.js'), 'console.log(1)');
    writeFileSync(join(files, 'widget.js'), '/* widget */');
    const handle = createChatAppHandler(files, build, dist);
    server = createServer((req, res) => handle(req, res, (req.url ?? '/').replace(/^\/fluxy\//, '')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  test('the app routes are its index.html, revalidated on every load', async () => {
    for (const path of ['/fluxy/', '/fluxy/login', '/fluxy/setup', '/fluxy/setup/']) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      assert.equal(await res.text(), '<!doctype html><title>app</title>');
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /img-src 'self' data: blob:(;|$)/);
      assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:/);
      assert.match(csp, /frame-ancestors 'self'/);
    }
  });

  test('hashed assets come from the build, cached for good; the widget from its own directory', async () => {
    const asset = await fetch(`${base}/fluxy/assets/index-abc123.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    const widget = await fetch(`${base}/fluxy/widget.js`);
    assert.equal(await widget.text(), '/* widget */');
    assert.equal((await fetch(`${base}/fluxy/index-abc123.js`)).status, 404, 'build files only under assets/');
    assert.equal((await fetch(`${base}/fluxy/assets/widget.js`)).status, 404, 'hand-written files not under assets/');
  });

  test('without a build: a page that reloads itself while building, and one that names the failure', async () => {
    rmSync(join(dist, 'index.html'));
    build.state = 'building';
    const building = await fetch(`${base}/fluxy/`);
    assert.equal(building.status, 503);
    const page = await building.text();
    assert.match(page, /being prepared/);
    assert.match(page, /http-equiv="refresh"/);

    build.state = 'failed';
    build.error = 'vite: <cannot> resolve "react"';
    const failed = await fetch(`${base}/fluxy/login`);
    assert.equal(failed.status, 503);
    const text = await failed.text();
    assert.match(text, /could not be built/);
    assert.ok(text.includes('vite: &#60;cannot&#62; resolve &#34;react&#34;'), 'the error, escaped');
    assert.ok(!text.includes('http-equiv="refresh"'), 'no reload loop on a failure');
    assert.equal((await fetch(`${base}/fluxy/widget.js`)).status, 200, 'the bubble still loads');
  });
});
