// Compression through a real bot: the dashboard's cold load in Chromium (Vite's development build
// through the supervisor) and a server-sent event stream from the user's backend at /app/api.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createBrotliDecompress } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './helpers/browser.ts';
import { measureColdLoad } from './helpers/cold-load.ts';
import { type Instance, startInstance, waitFor } from './helpers/instance.ts';
import { collectPieces } from './helpers/stream-pieces.ts';

/** A backend route that sends one event at start and one more per POST to /sse-next. */
const SSE_ROUTE = `import { Router, type Response } from 'express';
const router = Router();
const open = new Set<Response>();
let n = 1;
router.get('/sse', (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.write('data: ' + 'hello '.repeat(300) + '\\n\\n');
  open.add(res);
  res.on('close', () => open.delete(res));
});
router.post('/sse-next', (_req, res) => {
  n++;
  for (const r of open) r.write('data: event ' + n + '\\n\\n');
  res.json({ sent: n, open: open.size });
});
export default router;
`;

describe('compression through the supervisor', () => {
  let bot: Instance;
  let browser: Browser;
  let token: string;
  before(async () => {
    [bot, browser] = await Promise.all([startInstance(), launchBrowser()]);
    token = await bot.login();
  });
  after(async () => {
    await browser?.close();
    await bot?.stop();
  });

  test("the dashboard's cold load transfers well under 1 MB (Vite's development build included)", { timeout: 120_000 }, async (t) => {
    const { responses: all, transferred, decoded } = await measureColdLoad(browser, bot.url, token);
    t.diagnostic(`cold load: ${all.length} responses, ${Math.round(transferred / 1024)} KB transferred, ${Math.round(decoded / 1024)} KB decoded`);
    for (const r of [...all].sort((a, b) => b.transferred - a.transferred).slice(0, 5)) {
      t.diagnostic(`  ${r.url.replace(bot.url, '')}: ${Math.round(r.transferred / 1024)} KB of ${Math.round(r.decoded / 1024)} KB (${r.encoding ?? 'identity'})`);
    }
    assert.ok(decoded > 2_000_000, `the measured load holds Vite's development build (${decoded} bytes decoded)`);
    assert.ok(transferred < 1_000_000, `transferred ${transferred} bytes`);
    const big = all.filter((r) => r.decoded > 100_000);
    assert.ok(big.length > 0);
    for (const r of big) assert.equal(r.encoding, 'br', `${r.url} is sent with brotli`);
  });

  test('server-sent events from the backend are not held back by compression', { timeout: 60_000 }, async () => {
    writeFileSync(`${bot.home}/workspace/backend/routes/sse.ts`, SSE_ROUTE);
    // The backend restarts after the edit; wait until the new route answers.
    await waitFor('the sse route', async () => (await bot.fetch('/app/api/sse-next', { method: 'POST', token })).status === 200, 30_000, 100);
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      request(`${bot.url}/app/api/sse`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'br, gzip', accept: 'text/event-stream' } }, resolve)
        .on('error', reject)
        .end();
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-encoding'], undefined, 'event streams are sent as they are');
    const { pieces: events, arrived } = collectPieces(res, '\n\n');
    await arrived(1);
    for (let i = 2; i <= 4; i++) {
      const sent = (await (await bot.fetch('/app/api/sse-next', { method: 'POST', token })).json()) as { sent: number; open: number };
      await arrived(i);
      assert.equal(events.at(-1), `data: event ${sent.sent}`);
    }
    res.destroy();
  });

  test('a JSON answer of the worker and a page of the backend are compressed as asked', async () => {
    const html = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      request(`${bot.url}/`, { headers: { cookie: `fluxy_session=${token}`, 'accept-encoding': 'br', accept: 'text/html' } }, (res) => {
        const chunks: Buffer[] = [];
        const body = res.headers['content-encoding'] === 'br' ? res.pipe(createBrotliDecompress()) : res;
        body.on('data', (c: Buffer) => chunks.push(c));
        body.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    assert.match(html.body.toString(), /<div id="root">/);
    // Vite's index.html is small; whether it is compressed depends on its size, never on where it came from.
    assert.ok(html.encoding === 'br' || html.body.length < 1024, `index.html ${html.body.length} bytes, encoding ${html.encoding}`);
  });
});
