// The first run as a person sees it: the link `fluxy start` prints, opened in a real browser, signs
// it in, hides the token, walks the wizard, and leaves a bot that takes the new password.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './helpers/browser.ts';
import { type Instance, startInstance } from './helpers/instance.ts';

describe('the one-time setup link in a browser', () => {
  let bot: Instance;
  let browser: Browser;
  before(async () => {
    [bot, browser] = await Promise.all([startInstance({ password: null }), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await bot?.stop();
  });

  test('opens the wizard signed in, and the finished wizard sets the password', async () => {
    const link = /(http:\/\/\S+\/fluxy\/setup#\S+)/.exec(bot.output())?.[1];
    assert.ok(link, 'fluxy start printed the link');
    const token = readFileSync(`${bot.home}/setup-token`, 'utf8').trim();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await page.locator('#step-welcome').waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(!page.url().includes(token), 'the token is gone from the address bar');
    assert.ok((await context.cookies()).some((c) => c.name === 'fluxy_session' && c.httpOnly));

    await page.locator('#step-welcome button[type=submit]').click();
    await page.locator('#step-model input[value=openai]').check({ force: true });
    await page.locator('#step-model button[type=submit]').click();
    await page.locator('#api-key').fill('sk-from-the-wizard');
    await page.locator('#step-key button[type=submit]').click();
    await page.locator('#portal-password').fill('a-long-password');
    await page.locator('#portal-password2').fill('a-long-password');
    await page.locator('#step-portal button[type=submit]').click();
    await page.locator('#finish').click();
    await page.locator('#step-done').waitFor({ state: 'visible', timeout: 30_000 });

    const status = (await page.evaluate(async () => (await fetch('/api/onboard/status')).json())) as { configured: boolean; provider: string };
    assert.equal(status.configured, true);
    assert.equal(status.provider, 'openai');
    assert.ok(await bot.login('a-long-password'), 'the new password signs in');

    const second = await browser.newContext();
    const again = await second.newPage();
    await again.goto(link);
    await again.locator('#step-link-error').waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(!(await second.cookies()).some((c) => c.name === 'fluxy_session'), 'the link works once');
    await Promise.all([context.close(), second.close()]);
  });
});
