import { after, before } from 'node:test';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import type { SignedInBot } from './signed-in-bot.ts';

/** Debian's Chromium, never a downloaded one; the flags keep it off the network it cannot reach. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** Chromium resolving every `*.my.test` name to 127.0.0.1: two bots (or a bot and a hostile page) on one "site", as under a relay. */
export const SIBLING_HOSTS_ARG = '--host-resolver-rules=MAP *.my.test 127.0.0.1';

/**
 * One Chromium for a whole suite: call it in a `describe` body. It adds the hooks that launch the
 * browser before the tests and close it after them, and returns how a test opens a page.
 */
export function suiteBrowser(extraArgs: string[] = []) {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchBrowser(extraArgs);
  });
  after(() => browser?.close());
  return {
    /** A page in a context of its own (close it with `page.context().close()`), holding the owner's session cookie. */
    async signedInPage(bot: SignedInBot, options: BrowserContextOptions = {}): Promise<Page> {
      if (!browser) throw new Error('suiteBrowser: no browser before the suite has started');
      const context = await browser.newContext(options);
      await context.addCookies([{ name: 'fluxy_session', value: bot.token, url: bot.url, httpOnly: true }]);
      return context.newPage();
    },
  };
}
