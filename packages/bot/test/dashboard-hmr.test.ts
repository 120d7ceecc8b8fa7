// A real browser signs in, sees the dashboard through the supervisor's port, and an edit to a
// component reaches it through Vite's HMR socket proxied by the supervisor, without a page reload.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './helpers/browser.ts';
import { type Instance, startInstance } from './helpers/instance.ts';

describe('dashboard in a browser', () => {
  let bot: Instance;
  let browser: Browser;
  before(async () => {
    [bot, browser] = await Promise.all([startInstance(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await bot?.stop();
  });

  test('signing in through the login page leads back to the dashboard', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${bot.url}/`);
    assert.match(page.url(), /\/fluxy\/login\?next=%2F$/);
    await page.locator('input[type="password"]').fill('pw');
    await page.locator('form button[type="submit"], form input[type="submit"]').first().click();
    await page.waitForURL(`${bot.url}/`, { timeout: 30_000 });
    await page.getByText('This app is yours.').waitFor({ timeout: 60_000 });
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'fluxy_session');
    assert.ok(session?.httpOnly, 'HttpOnly session cookie');
    await context.close();
  });

  test('editing a component reaches the open page through HMR on the supervisor port', async () => {
    const token = await bot.login();
    const context = await browser.newContext();
    await context.addCookies([{ name: 'fluxy_session', value: token, url: bot.url, httpOnly: true }]);
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${bot.url}/`);
    await page.getByText('This app is yours.').waitFor({ timeout: 60_000 });
    await page.evaluate(() => {
      (globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });

    const file = `${bot.home}/workspace/client/src/components/welcome-hero.tsx`;
    writeFileSync(file, readFileSync(file, 'utf8').replace('This app is yours.', 'Edited live by a test.'));
    await page.getByText('Edited live by a test.').waitFor({ timeout: 30_000 });

    const sameDocument = await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument === true);
    assert.ok(sameDocument, 'hot update, not a full reload');
    assert.ok(
      sockets.some((u) => u.startsWith(`ws://127.0.0.1:${bot.port}/`) && !u.includes('/fluxy/ws')),
      `Vite's socket goes through the supervisor: ${sockets.join(', ')}`,
    );
    await context.close();
  });
});
