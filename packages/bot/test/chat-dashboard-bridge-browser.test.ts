// The chat inside the dashboard's panel, end to end in Chromium: an idea card on the dashboard
// opens the chat with its prompt in the message box (the draft posted as the frame loads is not
// lost), and the browser's install offer reaches the chat's menu, whose button asks the dashboard
// to show the browser's prompt.
import { describe, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { suiteBrowser } from './helpers/browser.ts';
import { waitFor } from './helpers/instance.ts';
import { signedInBot } from './helpers/signed-in-bot.ts';
import { DESKTOP, PHONE, snap } from './helpers/screenshots.ts';

type G = {
  __prompted?: boolean;
  dispatchEvent(e: unknown): boolean;
  Event: new (type: string, init?: object) => { prompt?: () => Promise<void>; userChoice?: Promise<unknown> };
};

describe('the chat in the dashboard panel', () => {
  // A provider is set (its key is never used): the chat shows a conversation, not "not configured".
  const bot = signedInBot({ setup: ['--provider', 'anthropic', '--api-key', 'sk-ant-unused'] });
  const chromium = suiteBrowser();

  test('an idea card opens the chat with its prompt; the install offer reaches the chat menu', async () => {
    const page = await chromium.signedInPage(bot, { viewport: PHONE });
    await page.goto(`${bot.url}/`);
    await page.getByRole('button', { name: /Habit tracker/ }).click({ timeout: 60_000 });

    const chat = await waitFor<Frame>('the chat frame', () => page.frames().find((f) => new URL(f.url()).pathname === '/fluxy/'), 30_000);
    const box = chat.getByRole('textbox', { name: 'Message' });
    await box.waitFor({ timeout: 30_000 });
    await waitFor('the prompt in the message box', async () => (await box.inputValue()).startsWith('Add a habit tracker'), 15_000);
    await chat.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    const frame = page.locator('iframe[title="Fluxy chat"]');
    await waitFor('the panel in place', async () => {
      const box = await frame.boundingBox();
      return !!box && Math.abs(box.x) < 1;
    }, 10_000);
    await snap(page, 'dashboard-chat-open-phone');

    // The browser offers installing the dashboard (the event Chromium fires when it is installable).
    await page.evaluate(() => {
      const g = globalThis as unknown as G;
      const offer = new g.Event('beforeinstallprompt', { cancelable: true });
      offer.prompt = async () => {
        g.__prompted = true;
      };
      offer.userChoice = Promise.resolve({ outcome: 'accepted' });
      g.dispatchEvent(offer);
    });
    await chat.getByRole('button', { name: 'Conversations' }).click();
    await chat.getByRole('button', { name: 'Install app' }).click();
    await waitFor('the browser prompt', () => page.evaluate(() => (globalThis as unknown as G).__prompted === true), 10_000);
    await page.context().close();
  });

  test('on a desktop the bubble opens the chat beside the dashboard', async () => {
    const page = await chromium.signedInPage(bot, { viewport: DESKTOP });
    await page.goto(`${bot.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).click({ timeout: 60_000 });
    const chat = await waitFor<Frame>('the chat frame', () => page.frames().find((f) => new URL(f.url()).pathname === '/fluxy/'), 30_000);
    await chat.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await chat.getByRole('heading', { name: 'What shall we build?' }).waitFor();
    // The panel slides in: photograph it once it is all on screen.
    const frame = page.locator('iframe[title="Fluxy chat"]');
    await waitFor('the panel in place', async () => {
      const box = await frame.boundingBox();
      return !!box && Math.abs(box.x + box.width - DESKTOP.width) < 1;
    }, 10_000);
    await snap(page, 'dashboard-chat-open-desktop');
    await page.context().close();
  });
});
