// The first run as a person sees it: the link `fluxy start` prints, opened in a real browser, signs
// it in, hides the token, walks the wizard, and leaves a bot that takes the new password. Each step
// is photographed on a phone and on a desktop (test-results/screenshots/).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './helpers/browser.ts';
import { type Instance, startInstance } from './helpers/instance.ts';
import { DESKTOP, PHONE, snap } from './helpers/screenshots.ts';

async function heading(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { name }).waitFor({ timeout: 30_000 });
}

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

  for (const [label, viewport, fresh] of [
    ['phone', PHONE, true],
    ['desktop', DESKTOP, false],
  ] as const) {
    test(`${label}: the link opens the wizard signed in; finishing it sets the settings`, async () => {
      const link = /(http:\/\/\S+\/fluxy\/setup#\S+)/.exec(bot.output())?.[1];
      assert.ok(link, 'fluxy start printed the link');
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      if (fresh) {
        const token = readFileSync(`${bot.home}/setup-token`, 'utf8').trim();
        await page.goto(link);
        await heading(page, 'Meet Fluxy');
        assert.ok(!page.url().includes(token), 'the token is gone from the address bar');
        assert.ok((await context.cookies()).some((c) => c.name === 'fluxy_session' && c.httpOnly));
      } else {
        // The second run: signed in with the password the first run set, the wizard again.
        await context.addCookies([{ name: 'fluxy_session', value: await bot.login('a-long-password'), url: bot.url, httpOnly: true }]);
        await page.goto(`${bot.url}/fluxy/setup`);
        await heading(page, 'Meet Fluxy');
        await page.getByText('Fluxy is already set up').waitFor();
      }
      await snap(page, `wizard-1-welcome-${label}`);
      await page.getByRole('button', { name: 'Get started' }).click();

      await heading(page, 'Choose a provider');
      await snap(page, `wizard-2-provider-${label}`);
      await page.getByRole('radio', { name: /GPT/ }).check({ force: true });
      await page.getByRole('button', { name: 'Continue' }).click();

      await heading(page, 'Choose a model');
      await snap(page, `wizard-3-model-${label}`);
      await page.getByRole('textbox', { name: 'Another model' }).fill(fresh ? 'my-local-model' : '');
      if (!fresh) await page.getByRole('radio', { name: /GPT-5 mini/ }).check({ force: true });
      await page.getByRole('button', { name: 'Continue' }).click();

      await heading(page, 'Connect OpenAI');
      if (fresh) {
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('alert').filter({ hasText: 'Paste your API key' }).waitFor();
        await page.getByLabel('API key', { exact: true }).fill('sk-from-the-wizard');
      } else {
        await page.getByText('A key is saved already').waitFor();
      }
      await snap(page, `wizard-4-auth-${label}`);
      await page.getByRole('button', { name: 'Continue' }).click();

      if (fresh) {
        await heading(page, 'Protect your Fluxy');
        await page.getByLabel('Password', { exact: true }).fill('short');
        await page.getByLabel('Password again', { exact: true }).fill('short');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('alert').filter({ hasText: 'at least 8 characters' }).waitFor();
        await snap(page, `wizard-5-portal-${label}`);
        await page.getByLabel('Password', { exact: true }).fill('a-long-password');
        await page.getByLabel('Password again', { exact: true }).fill('a-long-password');
      } else {
        await heading(page, 'Your password');
        await snap(page, `wizard-5-portal-${label}`);
        await page.getByLabel('Current password', { exact: true }).fill('a-long-password');
        await page.getByLabel('New password', { exact: true }).fill('another-long-password');
        await page.getByLabel('New password again', { exact: true }).fill('another-long-password');
      }
      await page.getByRole('button', { name: 'Continue' }).click();

      await heading(page, 'Voice messages');
      await snap(page, `wizard-6-whisper-${label}`);
      await page.getByRole('button', { name: 'Finish setup' }).click();
      await heading(page, 'Fluxy is ready');
      await snap(page, `wizard-7-done-${label}`);

      const status = (await page.evaluate(async () => (await fetch('/api/onboard/status')).json())) as { configured: boolean; provider: string; model: string; hasApiKey: boolean };
      assert.equal(status.configured, true);
      assert.equal(status.provider, 'openai');
      assert.equal(status.model, fresh ? 'my-local-model' : 'gpt-5-mini');
      assert.equal(status.hasApiKey, true, 'the key from the first run is kept');
      assert.ok(await bot.login(fresh ? 'a-long-password' : 'another-long-password'), 'the password set signs in');
      assert.deepEqual(errors, [], 'no errors in the console');

      if (fresh) {
        // The end of the first run: the dashboard, with the chat's bubble.
        await page.getByRole('button', { name: 'Open my app' }).click();
        await page.waitForURL(`${bot.url}/`);
        await page.getByRole('button', { name: 'Open chat' }).waitFor({ timeout: 60_000 });
        const second = await browser.newContext();
        const again = await second.newPage();
        await again.goto(link);
        await heading(again, 'This setup link has expired');
        assert.ok(!(await second.cookies()).some((c) => c.name === 'fluxy_session'), 'the link works once');
        await second.close();
      }
      await context.close();
    });
  }
});
