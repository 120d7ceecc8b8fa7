// The wizard's Handle step in a real browser, with the real relay on loopback: a name is checked as
// the user types (taken, reserved, invalid, available with its address), and registered only at the
// end, after the password is saved. A name someone else takes in the meantime is refused on the
// Done step with the relay's reason, the settings stay saved, and another name can be registered.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { updateConfig } from '../src/shared/config.ts';
import { launchBrowser } from './helpers/browser.ts';
import { type Instance, startInstance, waitFor } from './helpers/instance.ts';
import { DOMAIN, startRelay, type TestRelay } from './helpers/public-access.ts';
import { DESKTOP, PHONE, snap } from './helpers/screenshots.ts';

let relay: TestRelay;
let bot: Instance;
let browser: Browser;
const home = mkdtempSync(join(tmpdir(), 'fluxy-wizard-handle-'));

/** Another bot claims `name` at the relay, as a stranger would. */
async function claimElsewhere(name: string, tier = 'free'): Promise<void> {
  const res = await fetch(`${relay.url}/api/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, tier }) });
  assert.equal(res.status, 201, await res.text());
}

async function relayAvailability(name: string): Promise<{ available: boolean; reason?: string }> {
  return (await fetch(`${relay.url}/api/handles/${name}?tier=free`)).json() as Promise<{ available: boolean; reason?: string }>;
}

const configHandle = () => (JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { relay: { handle?: string } }).relay.handle;

before(async () => {
  relay = await startRelay({ scheme: 'http' });
  // What `fluxy setup --relay URL` writes; that command also wants a password, and this bot has none yet.
  updateConfig(join(home, 'config.json'), (c) => {
    c.relay = { url: relay.url };
  });
  await claimElsewhere('taken-name');
  [bot, browser] = await Promise.all([startInstance({ home, password: null }), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await bot?.stop();
  await relay?.close();
  rmSync(home, { recursive: true, force: true });
});

/** The first may wait for `fluxy start` to build the chat app (its page reloads itself meanwhile). */
async function heading(page: Page, name: string, timeout = 30_000): Promise<void> {
  await page.getByRole('heading', { name }).waitFor({ timeout });
}

/** Types into the Handle field and waits for the live region to say `expected`. */
async function typeHandle(page: Page, name: string, expected: RegExp): Promise<void> {
  await page.getByRole('textbox', { name: 'Handle' }).fill(name);
  await page.getByRole('status').filter({ hasText: expected }).waitFor({ timeout: 10_000 });
}

/** Welcome to Auth, the same on every run (the key is kept from the first). */
async function walkToHandle(page: Page, apiKey: string | null): Promise<void> {
  await page.getByRole('button', { name: 'Get started' }).click();
  await heading(page, 'Choose a provider');
  await page.getByRole('radio', { name: /GPT/ }).check({ force: true });
  await page.getByRole('button', { name: 'Continue' }).click();
  await heading(page, 'Choose a model');
  await page.getByRole('button', { name: 'Continue' }).click();
  await heading(page, 'Connect OpenAI');
  if (apiKey) await page.getByLabel('API key', { exact: true }).fill(apiKey);
  await page.getByRole('button', { name: 'Continue' }).click();
  await heading(page, 'Pick your handle');
}

test('phone, first run: taken and free names as the user types; finishing registers the free one', async () => {
  const link = /(http:\/\/\S+\/fluxy\/setup#\S+)/.exec(bot.output())?.[1];
  assert.ok(link, 'fluxy start printed the link');
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(link);
  await heading(page, 'Meet Fluxy', 120_000);
  await walkToHandle(page, 'sk-from-the-wizard');

  // Nothing typed: the handle is optional.
  await page.getByRole('button', { name: 'Skip' }).waitFor();
  await typeHandle(page, 'taken-name', new RegExp(`taken-name\\.my\\.${DOMAIN.replace('.', '\\.')} is taken`));
  assert.equal(await page.getByRole('textbox', { name: 'Handle' }).getAttribute('aria-invalid'), 'true');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('alert').filter({ hasText: 'is taken' }).waitFor();
  await typeHandle(page, 'admin', /is reserved/);
  await typeHandle(page, 'a', /not a valid handle/);

  // Typed key by key (faster than the 300 ms pause): one check, for the whole name.
  const checks: string[] = [];
  page.on('request', (r) => r.url().includes('/api/handle/check') && checks.push(new URL(r.url()).searchParams.get('name') ?? ''));
  await page.getByRole('textbox', { name: 'Handle' }).fill('');
  await page.getByRole('textbox', { name: 'Handle' }).pressSequentially('free-name', { delay: 40 });
  await page.getByRole('status').filter({ hasText: 'free-name is available' }).waitFor();
  await waitFor('both tiers checked', () => checks.length >= 2, 5_000);
  assert.deepEqual(checks, ['free-name', 'free-name'], 'one check per tier, for the whole name');
  assert.equal(await page.getByRole('radiogroup', { name: 'Kind of address' }).count(), 0, 'no premium without an entitlement');

  // A slow answer about an older name arrives after the newer one's and is ignored.
  let releaseSlow = () => {};
  const slowHeld = new Promise<void>((r) => (releaseSlow = r));
  await page.route('**/api/handle/check?name=taken-name*', async (route) => {
    await slowHeld;
    await route.continue();
  });
  const slowAsked = page.waitForRequest((r) => r.url().includes('name=taken-name'));
  await typeHandle(page, 'taken-name', /Checking taken-name/);
  await slowAsked;
  await typeHandle(page, 'free-name', /free-name is available/);
  const slowResponse = page.waitForResponse((r) => r.url().includes('name=taken-name'));
  releaseSlow();
  await (await slowResponse).finished();
  // The late body is in the page; one more round trip from the page and two frames later, its
  // handler has run and React has rendered whatever it did with it.
  await page.evaluate(async () => (await fetch('/api/handle')).json());
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  assert.match(await page.getByRole('status').textContent() ?? '', /^free-name is available/, 'the stale answer is not shown');
  await page.unroute('**/api/handle/check?name=taken-name*');

  // Capitals are lowered as typed; the address it will have is shown.
  await typeHandle(page, 'Ana', /ana is available: your address will be ana\.my\.fluxy\.test/);
  assert.equal(await page.getByRole('textbox', { name: 'Handle' }).inputValue(), 'ana');
  await snap(page, 'wizard-handle-phone');
  assert.equal((await relayAvailability('ana')).available, true, 'nothing is registered before the password exists');
  await page.getByRole('button', { name: 'Continue' }).click();

  await heading(page, 'Protect your Fluxy');
  await page.getByLabel('Password', { exact: true }).fill('a-long-password');
  await page.getByLabel('Password again', { exact: true }).fill('a-long-password');
  await page.getByRole('button', { name: 'Continue' }).click();
  await heading(page, 'Voice messages');
  await page.getByRole('button', { name: 'Finish setup' }).click();
  await heading(page, 'Fluxy is ready');
  await page.getByText('Your handle is registered: http://ana.my.fluxy.test').waitFor();
  await snap(page, 'wizard-handle-done-phone');

  assert.deepEqual(await relayAvailability('ana'), { available: false, reason: 'taken', host: `ana.my.${DOMAIN}` });
  assert.equal(configHandle(), 'ana');
  assert.deepEqual(errors, [], 'no errors in the console');
  await context.close();
});

test('desktop, second run: premium where granted; a name taken before Finish is refused on Done; the settings stay; another is registered', async () => {
  await relay.relay.store.grant('vip', Date.now());
  const context = await browser.newContext({ viewport: DESKTOP });
  await context.addCookies([{ name: 'fluxy_session', value: await bot.login('a-long-password'), url: bot.url, httpOnly: true }]);
  const page = await context.newPage();
  await page.goto(`${bot.url}/fluxy/setup`);
  await heading(page, 'Meet Fluxy');
  await walkToHandle(page, null);

  // The held handle is filled in and recognised, not reported as taken.
  await page.getByRole('status').filter({ hasText: 'ana is your handle: ana.my.fluxy.test' }).waitFor();
  await typeHandle(page, 'vip', /vip is available: your address will be vip\.my\.fluxy\.test/);
  // The operator granted vip a premium address: the tier is offered, with both addresses.
  await page.getByRole('radio', { name: /Premium vip\.fluxy\.test/ }).check({ force: true });
  await page.getByRole('status').filter({ hasText: 'vip is available: your address will be vip.fluxy.test.' }).waitFor();
  await snap(page, 'wizard-handle-desktop');
  await page.getByRole('button', { name: 'Continue' }).click();
  await heading(page, 'Your password');
  await page.getByRole('button', { name: 'Continue' }).click();
  await heading(page, 'Voice messages');
  await claimElsewhere('vip', 'premium');
  await page.getByRole('button', { name: 'Finish setup' }).click();

  await heading(page, 'Fluxy is ready');
  await page.getByRole('alert').filter({ hasText: 'the handle was not registered: This handle is taken.' }).waitFor();
  await snap(page, 'wizard-handle-refused-desktop');
  const status = (await page.evaluate(async () => (await fetch('/api/onboard/status')).json())) as { configured: boolean; provider: string };
  assert.equal(status.provider, 'openai', 'the settings are saved');
  assert.equal(configHandle(), 'ana', 'the old handle is kept');

  await page.getByRole('button', { name: 'Choose another handle' }).click();
  await heading(page, 'Pick your handle');
  // Still premium, which cleo is not granted; the free address is.
  await typeHandle(page, 'cleo', /cleo\.fluxy\.test needs a premium entitlement/);
  await page.getByRole('radio', { name: /Free cleo\.my\.fluxy\.test/ }).check({ force: true });
  await page.getByRole('status').filter({ hasText: 'cleo is available' }).waitFor();
  await page.getByRole('button', { name: 'Register handle' }).click();
  await heading(page, 'Fluxy is ready');
  await page.getByText('Your handle is registered: http://cleo.my.fluxy.test').waitFor();
  assert.equal(configHandle(), 'cleo');
  assert.equal((await relayAvailability('cleo')).reason, 'taken');
  assert.ok(await bot.login('a-long-password'), 'the password is unchanged');
  await context.close();
});
