// A fresh install's first visit of the dashboard must not reload itself: a page served while
// Vite's dependency optimiser makes its first bundle can be sent a full reload (kept by Vite for
// the first page to connect), which closed the chat panel the user had just opened. A fresh bot,
// a first visit in Debian's Chromium, the chat opened, then watched until Vite is done with it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './helpers/browser.ts';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';

let bot: Instance;
let browser: Browser;
before(async () => {
  [bot, browser] = await Promise.all([startInstance(), launchBrowser()]);
  // Set up, so the dashboard shows itself rather than the first-run wizard over it.
  const r = await runCli(['setup', '--provider', 'openai', '--model', 'gpt-test', '--api-key', 'sk-test', '--base-url', 'http://127.0.0.1:9/v1'], bot.env);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await browser?.close();
  await bot?.stop();
});

interface DepsMetadata {
  optimized: Record<string, { file: string }>;
  chunks: Record<string, { file: string }>;
}

test('the first visit of a fresh dashboard is never reloaded by Vite', async () => {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'fluxy_session', value: await bot.login(), url: bot.url, httpOnly: true }]);
  const page = await context.newPage();
  let loads = 0;
  const hmr: string[] = [];
  // The pre-bundled dependencies the first document imported (Vite serves them from its cache
  // directory, which Fluxy keeps per instance: /@fs/…/cache/vite/deps/<file>?v=…).
  const firstDeps = new Set<string>();
  page.on('load', () => loads++);
  page.on('request', (req) => {
    const url = new URL(req.url());
    const m = /\/cache\/vite\/deps\/([^/]+\.js)$/.exec(url.pathname);
    if (m && loads === 0) firstDeps.add(m[1]!);
  });
  page.on('websocket', (ws) => ws.on('framereceived', (f) => hmr.push(String(f.payload))));

  await page.goto(`${bot.url}/`);
  await page.getByText('This app is yours.').waitFor({ timeout: 60_000 });
  await page.evaluate(() => {
    (globalThis as { __firstDocument?: boolean }).__firstDocument = true;
  });
  await page.getByRole('button', { name: 'Open chat', exact: true }).click();
  await page.getByRole('dialog', { name: 'Fluxy chat' }).waitFor({ timeout: 10_000 });

  // A reload follows a dependency found while the page loaded that the optimiser's bundle lacks:
  // the page's requests are what find one, so once they are over (network idle) Vite is done
  // with this page when its committed bundle (no temporary directory left) holds every
  // dependency the page imported.
  await page.waitForLoadState('networkidle');
  const cache = join(bot.home, 'cache/vite');
  await waitFor('Vite to commit a bundle of every dependency the page imported', () => {
    if (!existsSync(join(cache, 'deps/_metadata.json')) || readdirSync(cache).some((d) => d.startsWith('deps_temp'))) return false;
    const meta = JSON.parse(readFileSync(join(cache, 'deps/_metadata.json'), 'utf8')) as DepsMetadata;
    const files = new Set([...Object.values(meta.optimized), ...Object.values(meta.chunks)].map((d) => d.file));
    return [...firstDeps].every((f) => files.has(f));
  });
  assert.ok(firstDeps.has('react-dom_client.js'), [...firstDeps].join(', '));
  assert.ok(!hmr.some((f) => f.includes('full-reload')), `Vite sent a full reload: ${hmr.join(' | ')}`);
  assert.equal(loads, 1, 'one document load');
  assert.equal(await page.evaluate(() => (globalThis as { __firstDocument?: boolean }).__firstDocument), true, 'still the first document');
  await page.getByRole('dialog', { name: 'Fluxy chat' }).waitFor({ timeout: 1_000 });
});
