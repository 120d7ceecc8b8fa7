// The chat app's budget (issue 9), in Debian's Chromium against a real bot on loopback:
// - the JavaScript /fluxy/ loads until the chat is usable, gzipped (budget 250 KB) and as sent;
// - first contentful paint of /fluxy/ (budget 500 ms), from the Performance API's paint entries,
//   each run in a fresh context (cold cache);
// - a 200-message conversation: time to show it, then long tasks (PerformanceObserver 'longtask')
//   and frame times (requestAnimationFrame deltas) while it is scrolled from bottom to top;
// - send → first token in the page (PEERS.md: 0.73–1.98 s and 1,056 ms), through the real Claude
//   Agent SDK against a fake Anthropic API that answers at once: the first message of a new
//   conversation (a Claude Code process starts) and a follow-up (the process is warm).
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { startFakeAnthropic } from '../packages/bot/test/fakes/anthropic.ts';
import { launchBrowser } from '../packages/bot/test/helpers/browser.ts';
import { type Instance, runCli, startInstance } from '../packages/bot/test/helpers/instance.ts';
import { fmt } from './lib/load.ts';
import type { BenchSection } from './run.ts';

const RUNS = 7;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
const pct = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor((p / 100) * v.length))] ?? Number.NaN;

async function openChat(browser: Browser, bot: Instance, token: string) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.addCookies([{ name: 'fluxy_session', value: token, url: bot.url, httpOnly: true }]);
  return { context, page: await context.newPage() };
}

async function startupJs(browser: Browser, bot: Instance, token: string) {
  const { context, page } = await openChat(browser, bot, token);
  const scripts: { url: string; gzip: number; raw: number; sent: number }[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'script') return;
    pending.push(
      (async () => {
        const body = await res.body();
        const sizes = await res.request().sizes();
        scripts.push({ url: res.url(), raw: body.length, gzip: gzipSync(body, { level: 9 }).length, sent: sizes.responseBodySize });
      })(),
    );
  });
  await page.goto(`${bot.url}/fluxy/`);
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  await Promise.all(pending);
  const encoding = (await (await bot.fetch(new URL(scripts[0]!.url).pathname, { headers: { 'accept-encoding': 'br, gzip' } })).headers.get('content-encoding')) ?? 'none';
  await context.close();
  return { scripts, encoding };
}

async function paint(page: Page, url: string, ready: () => Promise<unknown>) {
  const started = performance.now();
  await page.goto(url);
  await ready();
  const usable = performance.now() - started;
  const fcp = (await page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1")) as number;
  return { fcp, usable };
}

async function seedConversation(bot: Instance, token: string, count: number): Promise<void> {
  const json = { 'content-type': 'application/json' };
  const res = await bot.fetch('/api/conversations', { method: 'POST', token, headers: json, body: JSON.stringify({ title: 'Long one' }) });
  const { id } = (await res.json()) as { id: string };
  for (let i = 0; i < count; i++) {
    const user = i % 2 === 0;
    const content = user
      ? `Question ${i}: can you change the dashboard so that the habit list shows streaks?`
      : `Answer ${i}. Here is **what I changed**:\n\n- the list\n- the streak counter\n\n\`\`\`ts\nexport function streak(days: boolean[]): number {\n  let n = 0;\n  for (const d of days) n = d ? n + 1 : 0;\n  return n;\n}\n\`\`\`\n\nAnything else?`;
    await bot.fetch(`/api/conversations/${id}/messages`, { method: 'POST', token, headers: json, body: JSON.stringify({ role: user ? 'user' : 'assistant', content }) });
  }
  await bot.fetch('/api/context/set', { method: 'POST', token, headers: json, body: JSON.stringify({ conversationId: id }) });
}

/**
 * In the page: from the Send button's click (capture phase, before the app sees it) to the first
 * answer text on screen, by a MutationObserver on the conversation.
 */
const FIRST_TOKEN = `new Promise((resolve) => {
  const log = document.querySelector('[role=log]');
  let clickedAt = 0;
  const button = [...document.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === 'Send' || b.textContent.trim() === 'Send');
  button.addEventListener('click', () => (clickedAt = performance.now()), { capture: true, once: true });
  const obs = new MutationObserver(() => {
    const live = log.querySelector('.msg-live');
    if (clickedAt && live && live.textContent.includes('Hello')) {
      obs.disconnect();
      resolve(performance.now() - clickedAt);
    }
  });
  obs.observe(log, { childList: true, subtree: true, characterData: true });
  window.__armed = true;
})`;

async function firstToken(page: Page, newConversation: boolean): Promise<number> {
  if (newConversation) {
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByRole('heading', { name: 'What shall we build?' }).waitFor();
  }
  const answers = await page.locator('.msg-bot:not(.msg-live)').count();
  await page.getByRole('textbox', { name: 'Message' }).fill('say hello');
  const measured = page.evaluate(FIRST_TOKEN) as Promise<number>;
  await page.waitForFunction('window.__armed === true');
  await page.evaluate('window.__armed = false');
  await page.getByRole('button', { name: 'Send' }).click();
  const ms = await measured;
  await page.locator('.msg-bot:not(.msg-live)').nth(answers).waitFor({ timeout: 60_000 });
  return ms;
}

const OBSERVE = `window.__longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });`;

/** Scrolls the conversation to the top in 40 px steps, one per frame, recording each frame's length. */
const SCROLL = `new Promise((resolve) => {
  const el = document.querySelector('.messages');
  const frames = [];
  let last = performance.now();
  window.__longTasks = [];
  const step = (now) => {
    frames.push(now - last);
    last = now;
    if (el.scrollTop <= 0) return resolve(frames.slice(1));
    el.scrollTop -= 40;
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})`;

export default async function chatAppBench(): Promise<BenchSection> {
  // The first token at once, the rest after it: "first token" is not "whole answer".
  const fake = await startFakeAnthropic(() => [{ text: 'Hello' }, { delayMs: 50 }, { text: ' from the fake model.' }]);
  const [bot, browser] = await Promise.all([startInstance(), launchBrowser()]);
  try {
    const r = await runCli(['setup', '--provider', 'anthropic', '--api-key', 'sk-bench', '--base-url', fake.url], bot.env);
    if (r.code !== 0) throw new Error(r.stderr);
    const token = await bot.login();

    const { scripts, encoding } = await startupJs(browser, bot, token);
    const gzip = scripts.reduce((n, s) => n + s.gzip, 0);
    const raw = scripts.reduce((n, s) => n + s.raw, 0);
    const sent = scripts.reduce((n, s) => n + s.sent, 0);

    const chat: { fcp: number; usable: number }[] = [];
    const login: { fcp: number; usable: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const a = await openChat(browser, bot, token);
      chat.push(await paint(a.page, `${bot.url}/fluxy/`, () => a.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()));
      await a.context.close();
      const b = await browser.newContext();
      const page = await b.newPage();
      login.push(await paint(page, `${bot.url}/fluxy/login`, () => page.getByRole('button', { name: 'Sign in' }).waitFor()));
      await b.close();
    }

    const tokens = await openChat(browser, bot, token);
    await tokens.page.goto(`${bot.url}/fluxy/`);
    await tokens.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      cold.push(await firstToken(tokens.page, true));
      warm.push(await firstToken(tokens.page, false));
    }
    await tokens.context.close();

    await seedConversation(bot, token, 200);
    const long = await openChat(browser, bot, token);
    await long.page.addInitScript(OBSERVE);
    const started = performance.now();
    await long.page.goto(`${bot.url}/fluxy/`);
    await long.page.locator('[role=log] .msg').nth(199).waitFor({ timeout: 60_000 });
    const openMs = performance.now() - started;
    const openLong = (await long.page.evaluate('window.__longTasks')) as number[];
    const frames = (await long.page.evaluate(SCROLL)) as number[];
    const scrollLong = (await long.page.evaluate('window.__longTasks')) as number[];
    await long.context.close();

    const kb = (n: number) => `${fmt(n / 1024, 1)} KB`;
    const rows = [
      '| figure | value | budget |',
      '|---|---|---|',
      `| JavaScript loaded until the chat is usable, gzip -9 | ${kb(gzip)} (${scripts.length} files, ${kb(raw)} raw) | < 250 KB |`,
      `| … as sent (Content-Encoding: ${encoding}) | ${kb(sent)} | |`,
      `| first contentful paint, /fluxy/ (median of ${RUNS}, cold) | ${fmt(median(chat.map((c) => c.fcp)), 0)} ms | < 500 ms |`,
      `| /fluxy/ until connected and usable (median) | ${fmt(median(chat.map((c) => c.usable)), 0)} ms | |`,
      `| first contentful paint, /fluxy/login (median) | ${fmt(median(login.map((c) => c.fcp)), 0)} ms | |`,
      `| 200-message conversation: navigation to all shown | ${fmt(openMs, 0)} ms | |`,
      `| … long tasks while opening | ${openLong.length} (longest ${fmt(Math.max(0, ...openLong), 0)} ms) | |`,
      `| scrolling it top to bottom: frames | ${frames.length}, p50 ${fmt(pct(frames, 50), 1)} ms, p95 ${fmt(pct(frames, 95), 1)} ms, max ${fmt(Math.max(...frames), 1)} ms | p95 ≤ 17 ms |`,
      `| … long tasks while scrolling | ${scrollLong.length} | 0 |`,
      `| send → first token in the page, new conversation (median of ${cold.length}; Claude Code starts) | ${fmt(median(cold), 0)} ms (min ${fmt(Math.min(...cold), 0)}, max ${fmt(Math.max(...cold), 0)}) | peers: 730–1,980 ms, 1,056 ms |`,
      `| send → first token in the page, follow-up (median of ${warm.length}; warm) | ${fmt(median(warm), 0)} ms (min ${fmt(Math.min(...warm), 0)}, max ${fmt(Math.max(...warm), 0)}) | |`,
    ];
    return {
      title: 'Chat app: startup JavaScript, first paint, a long conversation',
      body: `${rows.join('\n')}\n\nHeadless Chromium (Debian), 390×844, loopback. Gzip figures are each startup script compressed with gzip -9 (what a gzip-only client gets); "as sent" is what crossed the wire with the supervisor's own encoding. FCP is \`performance.getEntriesByName('first-contentful-paint')\` in a fresh context per run. Scrolling moves the conversation 40 px per animation frame from the bottom to the top; frame times are the deltas between requestAnimationFrame callbacks, long tasks come from a \`longtask\` PerformanceObserver. Send → first token: from the Send button's click event (captured in the page) to the first answer text in the conversation (a MutationObserver), through the supervisor, the real Claude Agent SDK and a fake Anthropic API that streams its first token at once; PEERS.md's figures for the same measure are OpenClaw's 0.73–1.98 s and CloudCLI's 1,056 ms (whole answers).`,
    };
  } finally {
    await browser.close();
    await bot.stop();
    await fake.close();
  }
}
