// The agent changing the dashboard, as a user sees it in Debian's Chromium: a real bot whose Claude
// Agent SDK talks to a fake Anthropic API. From the chat opened with the bubble, a turn writes a new
// component and edits App.tsx (Read, then Edit) to render it: the card shows on the dashboard with
// no reload. A second turn makes it throw: the error boundary shows, the bubble still opens the
// chat, a third message gets its answer, and a fix brings the card back, again with no reload.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { type AnthropicRequest, type AnthropicStep, lastUserText, startFakeAnthropic, type FakeAnthropic } from './fakes/anthropic.ts';
import { launchBrowser } from './helpers/browser.ts';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { DESKTOP, PHONE, snap } from './helpers/screenshots.ts';

const CARD = 'client/src/components/weather-card.tsx';
const CARD_TEXT = 'Sunny in Lisbon, 24°';
const goodCard = (text: string) =>
  `export function WeatherCard() {\n  return (\n    <section className="mx-auto mt-4 max-w-5xl rounded-2xl border border-sky-200 bg-sky-50 p-4 text-sky-900">\n      <h2 className="font-semibold">Weather</h2>\n      <p>${text}</p>\n    </section>\n  );\n}\n`;
const THROWING_CARD = "export function WeatherCard(): never {\n  throw new Error('The weather card broke');\n}\n";

interface B {
  __noReload?: number;
}

/** The user's prompt of the turn this request belongs to, and how many tool results came back since. */
function turnState(req: AnthropicRequest): { prompt: string; phase: number } {
  const msgs = req.body.messages ?? [];
  let phase = 0;
  // Walk back past the tool results (and the reminders the CLI slips in) to the user's own words.
  for (const m of [...msgs].reverse()) {
    if (m.role !== 'user') continue;
    const prompt = lastUserText({ ...req, body: { ...req.body, messages: [m] } });
    if (prompt.trim()) return { prompt, phase };
    if (Array.isArray(m.content) && (m.content as { type?: string }[]).some((b) => b.type === 'tool_result')) phase++;
  }
  return { prompt: '', phase };
}

describe('the agent edits the dashboard while the user watches', () => {
  let fake: FakeAnthropic;
  let bot: Instance;
  let browser: Browser;
  let page: Page;
  const path = (rel: string) => `${bot.home}/workspace/${rel}`;
  const tool = (name: string, input: Record<string, unknown>): AnthropicStep => ({ toolUse: { name, input } });

  // Each turn is a list of assistant messages, one per model request; all but the last use a tool.
  const turns = (): Record<string, AnthropicStep[][]> => ({
    'weather card': [
      [{ text: 'Adding a weather card.' }, tool('Write', { file_path: path(CARD), content: goodCard(CARD_TEXT) })],
      [tool('Read', { file_path: path('client/src/App.tsx') })],
      [
        tool('Edit', {
          file_path: path('client/src/App.tsx'),
          old_string: "import Home from './components/home.tsx';",
          new_string: "import Home from './components/home.tsx';\nimport { WeatherCard } from './components/weather-card.tsx';",
        }),
      ],
      [tool('Edit', { file_path: path('client/src/App.tsx'), old_string: '<Home />\n      </ErrorBoundary>', new_string: '<WeatherCard />\n        <Home />\n      </ErrorBoundary>' })],
      [{ text: 'The **weather card** is on your dashboard.' }],
    ],
    'break the card': [
      [tool('Read', { file_path: path(CARD) })],
      [tool('Write', { file_path: path(CARD), content: THROWING_CARD })],
      [{ text: 'The card throws now.' }],
    ],
    'fix the card': [
      [tool('Read', { file_path: path(CARD) })],
      [tool('Write', { file_path: path(CARD), content: goodCard(`${CARD_TEXT}, fixed`) })],
      [{ text: 'The card is fixed.' }],
    ],
  });

  before(async () => {
    let script: Record<string, AnthropicStep[][]> = {};
    fake = await startFakeAnthropic((req) => {
      const { prompt, phase } = turnState(req);
      const steps = Object.entries(script).find(([key]) => prompt.includes(key))?.[1];
      return steps?.[phase] ?? [{ text: 'Still here, the chat works.' }];
    });
    [bot, browser] = await Promise.all([startInstance({ env: { FLUXY_AGENT_MAX_RETRIES: '0' } }), launchBrowser()]);
    script = turns();
    const r = await runCli(['setup', '--provider', 'anthropic', '--api-key', 'sk-ant-test', '--base-url', fake.url], bot.env);
    assert.equal(r.code, 0, r.stderr);
    const context = await browser.newContext({ viewport: PHONE });
    await context.addCookies([{ name: 'fluxy_session', value: await bot.login(), url: bot.url, httpOnly: true }]);
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await bot?.stop();
    await fake?.close();
  });

  const bubble = () => page.getByRole('button', { name: 'Open chat', exact: true });
  const chat = (): FrameLocator => page.frameLocator('iframe[title="Fluxy chat"]');
  const answered = (text: string) => chat().getByRole('log').getByText(text).waitFor({ timeout: 90_000 });
  async function openChat(): Promise<void> {
    await bubble().click();
    await page.getByRole('dialog', { name: 'Fluxy chat' }).waitFor({ timeout: 10_000 });
    await chat().getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  }
  async function send(text: string): Promise<void> {
    await chat().getByRole('textbox', { name: 'Message' }).fill(text);
    await chat().getByRole('button', { name: 'Send' }).click();
  }
  async function closeChat(): Promise<void> {
    await chat().getByRole('textbox', { name: 'Message' }).focus();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Fluxy chat' }).waitFor({ state: 'hidden', timeout: 10_000 });
  }
  const stillSameDocument = async () => assert.equal(await page.evaluate(() => (globalThis as unknown as B).__noReload), 1, 'the dashboard was never reloaded');

  test('a turn that adds a component and renders it from App.tsx shows it on the dashboard without a reload', async () => {
    await page.goto(`${bot.url}/`);
    await page.getByText('This app is yours.').waitFor({ timeout: 60_000 });
    await page.evaluate(() => {
      (globalThis as unknown as B).__noReload = 1;
    });
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });

    await openChat();
    await send('please add a weather card to my dashboard');
    await answered('is on your dashboard.');
    await page.getByText(CARD_TEXT).waitFor({ timeout: 30_000 });
    await stillSameDocument();
    assert.equal(navigations, 0);
    // The edit went through the agent's tools: App.tsx renders the new component.
    assert.match(readFileSync(path('client/src/App.tsx'), 'utf8'), /<WeatherCard \/>\s*<Home \/>/);
    // No veil left over the page once the turn ended.
    await page.getByText(/Updating your app|Reconnecting to your app/).waitFor({ state: 'detached', timeout: 15_000 });

    // On a phone the chat covers the page: one picture with it open, one of the card behind it.
    await snap(page, 'agent-component-390x844');
    await closeChat();
    // The veil behind the panel fades out; the picture is of the page once it has.
    const veil = "getComputedStyle(document.getElementById('fluxy-widget').shadowRoot.querySelector('.backdrop')).opacity";
    await waitFor('the veil to fade', async () => (await page.evaluate(veil)) === '0', 5_000);
    await snap(page, 'agent-component-390x844-closed');
    await page.setViewportSize(DESKTOP);
    await openChat();
    await page.getByText(CARD_TEXT).waitFor();
    await snap(page, 'agent-component-1440x900');
    await page.setViewportSize(PHONE);
  });

  test('a component that throws shows the error boundary; the bubble still opens the chat, which answers; a fix brings the card back', async () => {
    await send('now break the card');
    await answered('The card throws now.');
    const alert = page.getByRole('alert').filter({ hasText: 'The weather card broke' });
    await alert.waitFor({ timeout: 30_000 });

    await closeChat();
    await openChat();
    await send('are you still there?');
    await answered('Still here, the chat works.');
    await stillSameDocument();

    await send('please fix the card');
    await answered('The card is fixed.');
    await page.getByText(`${CARD_TEXT}, fixed`).waitFor({ timeout: 30_000 });
    await alert.waitFor({ state: 'detached', timeout: 10_000 });
    await stillSameDocument();
  });
});
