import { type Browser, chromium } from 'playwright-core';

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
