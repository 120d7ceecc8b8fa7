import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_DIR } from '../../src/shared/paths.ts';

/** Where browser tests leave screenshots for people to look at (gitignored). */
export const SCREENSHOT_DIR = join(REPO_DIR, 'test-results', 'screenshots');

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

/** Saves the page as it is now under test-results/screenshots/<name>.png. */
export async function snap(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}
