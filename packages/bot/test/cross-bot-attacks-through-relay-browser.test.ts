// Findings 2 and 3 of issue 7, end to end: the real relay (`fluxy-relay`, its own process) serves two
// real bots, each behind its tunnel ingress (N+3). `alice` is the victim, signed in in Chromium;
// `evil` is a bot whose workspace backend (the agent's code, so anything) serves hostile pages on a
// public path. Every `NAME.my.D` is one site to the browser, so only the origin check stops evil's
// forms and no-cors POSTs, and only the relay (for Set-Cookie) and the bot (for cookies set by
// script) stop a tossed `fluxy_session`. Alice's own page, through the relay, must still write.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { spawnRelay, type SpawnedRelay } from '../../relay/test/spawn-relay.ts';
import { launchBrowser } from './helpers/browser.ts';
import { freeBasePort, type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';
import { DOMAIN, installFakeCloudflared, request } from './helpers/public-access.ts';

const PARENT = `my.${DOMAIN}`;
const SESSION_COOKIES = new Set(['fluxy_session', '__Host-fluxy_session']);
/** Run in the page (the test's own TypeScript has no DOM types). */
const SUBMIT = 'document.forms[0].submit()';

/** evil's pages, served by its backend at /app/api/hostile/NAME; each attacks Alice as soon as it loads. */
function hostilePages(victim: string): Record<string, { html: string; cookies?: string[]; referrerPolicy?: string }> {
  const form = (action: string) => ({
    html: `<!doctype html><form method="post" action="${victim}${action}"><input name="text" value="pwned by form"></form><script>document.forms[0].submit()</script>`,
  });
  return {
    'form-notes': form('/app/api/notes'),
    // Under the bot's own `Referrer-Policy: same-origin` Chromium sends `Origin: null` on evil's
    // forms; with `unsafe-url` (a backend's answer keeps its own) it names evil's origin.
    'form-conversations': { ...form('/api/conversations'), referrerPolicy: 'unsafe-url' },
    'form-logout': form('/api/portal/logout'),
    // Posted to evil itself, which answers 307 to Alice: the browser re-posts there with `Origin: null`.
    'form-bounce': { html: form('').html.replace(`action="${victim}"`, 'action="/app/api/hostile/bounce"') },
    'no-cors': {
      html: `<!doctype html><script>
        const post = (path, body) => fetch('${victim}' + path, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body });
        window.done = Promise.all([post('/api/conversations', '{}'), post('/app/api/notes', '{"text":"pwned by fetch"}')]).then(() => 'sent', (e) => String(e));
      </script>`,
    },
    ws: {
      html: `<!doctype html><script>
        window.done = new Promise((resolve) => {
          const ws = new WebSocket('${victim.replace('http', 'ws')}/fluxy/ws');
          ws.onopen = () => resolve('open');
          ws.onclose = () => resolve('refused');
        });
      </script>`,
    },
    // Set-Cookie tricks: the parent domain (a longer Path sorts it first in Alice's Cookie header),
    // a leading dot, the apex, Alice's own host, and `__Host-` with a Domain (never valid).
    'toss-header': {
      html: '<!doctype html>tossed',
      cookies: [
        `fluxy_session=EVIL; Domain=${PARENT}; Path=/api`,
        `fluxy_session=EVIL; Domain=.${PARENT}; Path=/app/api`,
        `fluxy_session=EVIL; Domain=${DOMAIN}; Path=/`,
        `fluxy_session=EVIL; Domain=alice.${PARENT}; Path=/`,
        `__Host-fluxy_session=EVIL; Domain=${PARENT}; Path=/`,
      ],
    },
    // What no relay can see: the page's own script setting a parent-domain cookie.
    'toss-script': {
      html: `<!doctype html><script>document.cookie = 'fluxy_session=EVIL; Domain=${PARENT}; Path=/api'</script>`,
    },
  };
}

/** The hostile backend route, as the agent on evil's machine could write it. */
function hostileRoute(victim: string): string {
  return `import { Router } from 'express';
const pages = ${JSON.stringify(hostilePages(victim))};
const router = Router();
router.get('/hostile/:page', (req, res) => {
  const page = pages[req.params.page];
  if (!page) return void res.status(404).json({ error: { code: 'not_found', message: 'no such page' } });
  if (page.cookies) res.setHeader('Set-Cookie', page.cookies);
  if (page.referrerPolicy) res.setHeader('Referrer-Policy', page.referrerPolicy);
  res.type('html').send(page.html);
});
router.post('/hostile/bounce', (_req, res) => res.redirect(307, ${JSON.stringify(`${victim}/app/api/notes`)}));
export default router;
`;
}

describe('cross-bot attacks through the relay, in Chromium', () => {
  const cloudflared = installFakeCloudflared();
  const homes: string[] = [];
  let relayDir: string;
  let relay: SpawnedRelay;
  let alice: Instance;
  let evil: Instance;
  let browser: Browser;
  let context: BrowserContext;
  let victim: string;
  let attacker: string;
  let token: string;

  /** `fluxy setup --relay --handle NAME --tunnel <its own N+3>`, then `fluxy start` (no cloudflared: the URL is the ingress itself). */
  async function botBehindRelay(handle: string, config: Record<string, unknown> = {}): Promise<Instance> {
    const home = mkdtempSync(join(tmpdir(), `fluxy-relay-attack-${handle}-`));
    homes.push(home);
    const port = await freeBasePort();
    const env = { FLUXY_HOME: home, FLUXY_CLOUDFLARED: cloudflared.path };
    const setup = await runCli(['setup', '--password', 'pw', '--relay', relay.url, '--handle', handle, '--tunnel', `http://127.0.0.1:${port + 3}`], env);
    assert.equal(setup.code, 0, setup.stderr);
    const file = join(home, 'config.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...config }));
    return startInstance({ home, password: null, tunnel: true, env, port });
  }

  // Alice's data, read with a Bearer token (never through the browser under test).
  const notes = async () => ((await (await alice.fetch('/app/api/notes', { token })).json()) as { notes: { text: string }[] }).notes.map((n) => n.text);
  const conversations = async () => JSON.stringify(await (await alice.fetch('/api/conversations', { token })).json());
  // A document on Alice's origin that never navigates by itself.
  const ownPage = () => `${victim}/api/health`;
  const sessionCookies = async () => (await context.cookies()).filter((c) => SESSION_COOKIES.has(c.name));

  /** On Alice's own page through the relay: the session works for reads and writes; returns the Cookie header the browser sent. */
  async function aliceStillSignedIn(page: Page): Promise<string> {
    await page.goto(ownPage());
    const sent = page.waitForRequest((r) => r.url() === `${victim}/api/conversations` && r.method() === 'GET');
    const [read, write] = await page.evaluate(async () => {
      const r = await fetch('/api/conversations');
      const w = await fetch('/api/conversations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"still alice"}' });
      return [r.status, w.status];
    });
    assert.equal(read, 200, 'Alice reads her conversations');
    assert.equal(write, 201, 'Alice still writes');
    return (await (await sent).allHeaders()).cookie ?? '';
  }

  before(async () => {
    relayDir = mkdtempSync(join(tmpdir(), 'fluxy-relay-attack-'));
    relay = await spawnRelay(['--domain', DOMAIN, '--db', join(relayDir, 'relay.db'), '--allow-private-targets', '--workers', '1', '--scheme', 'http']);
    const relayPort = Number(new URL(relay.url).port);
    victim = `http://alice.${PARENT}:${relayPort}`;
    attacker = `http://evil.${PARENT}:${relayPort}`;
    [alice, evil, browser] = await Promise.all([
      botBehindRelay('alice'),
      botBehindRelay('evil', { publicPaths: ['/hostile'] }),
      // Every *.my.D name is the relay; the port stays the URL's (the relay's).
      launchBrowser([`--host-resolver-rules=MAP *.${PARENT} 127.0.0.1`]),
    ]);
    writeFileSync(join(evil.home, 'workspace/backend/routes/hostile.ts'), hostileRoute(victim));
    token = await alice.login();

    // Both online at the relay, and evil's backend restarted with the hostile route (its watcher saw the file).
    await waitFor('alice online at the relay', async () => (await request(relay.url, { host: `alice.${PARENT}`, path: '/api/health' })).status === 200);
    await waitFor('evil serving its hostile page through the relay', async () => {
      const r = await request(relay.url, { host: `evil.${PARENT}`, path: '/app/api/hostile/toss-script' });
      return r.status === 200 && r.text.includes('document.cookie');
    });

    // Alice signs in on her own bot's page, through the relay.
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(ownPage());
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/portal/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"password":"pw"}' });
      return res.status;
    });
    assert.equal(status, 200, 'Alice signs in through the relay');
    assert.deepEqual((await sessionCookies()).map((c) => [c.name, c.domain]), [['fluxy_session', `alice.${PARENT}`]]);
    await page.close();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await Promise.all([alice?.stop(), evil?.stop()]);
    await relay?.stop();
    for (const dir of [relayDir, ...homes]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("Alice's own page through the relay writes with her cookie: fetch, form and chat socket", async () => {
    const page = await context.newPage();
    await page.goto(ownPage());
    const [conversation, note, socket] = await page.evaluate(async (wsUrl) => {
      const json = { 'content-type': 'application/json' };
      const c = await fetch('/api/conversations', { method: 'POST', headers: json, body: '{}' });
      const n = await fetch('/app/api/notes', { method: 'POST', headers: json, body: JSON.stringify({ text: 'written by alice' }) });
      const ws = await new Promise<string>((resolve) => {
        const s = new WebSocket(wsUrl);
        s.onopen = () => {
          resolve('open');
          s.close();
        };
        s.onclose = () => resolve('refused');
      });
      return [c.status, n.status, ws];
    }, `${victim.replace('http', 'ws')}/fluxy/ws`);
    assert.equal(conversation, 201);
    assert.equal(note, 201);
    assert.equal(socket, 'open');

    // A plain HTML form on her own page. Under the old `Referrer-Policy: no-referrer` Chromium sent
    // `Origin: null` and, over http, no Sec-Fetch-Site: refused as cross-origin.
    await page.evaluate(`document.body.innerHTML = '<form method="post" action="/app/api/notes"><input name="text" value="form by alice"></form>'`);
    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.evaluate(SUBMIT)]);
    // The port is the relay's, in Origin and in the X-Forwarded-Host the bot compares it with.
    assert.equal((await answer.request().allHeaders()).origin, victim);
    assert.equal(answer.status(), 201, await answer.text());
    assert.deepEqual((await notes()).slice(0, 2), ['form by alice', 'written by alice']);
    await page.close();
  });

  test('a page of Alice\'s that sends no referrer still posts its forms (Origin: null, Sec-Fetch-Site: same-origin)', async () => {
    // 127.0.0.1 is a trustworthy origin to Chromium, so it sends Sec-Fetch-Site over http there (as
    // every browser does over https, a relay's usual scheme); the agent's app may well say no-referrer.
    const local = await browser.newContext();
    const page = await local.newPage();
    await page.goto(`${alice.url}/api/health`);
    const signIn = await page.evaluate(async () => (await fetch('/api/portal/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"password":"pw"}' })).status);
    assert.equal(signIn, 200);
    await page.evaluate(`document.head.innerHTML = '<meta name="referrer" content="no-referrer">';
      document.body.innerHTML = '<form method="post" action="/app/api/notes"><input name="text" value="no-referrer form"></form>'`);
    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.evaluate(SUBMIT)]);
    const sent = await answer.request().allHeaders();
    assert.deepEqual([sent.origin, sent['sec-fetch-site']], ['null', 'same-origin']);
    assert.equal(answer.status(), 201, await answer.text());
    assert.equal((await notes())[0], 'no-referrer form');
    await local.close();
  });

  test("evil's page: forms, no-cors POSTs and a WebSocket into Alice's bot are refused (403 cross_origin), nothing stored", async () => {
    const before = { notes: await notes(), conversations: await conversations() };
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(victim) && r.request().method() === 'POST') refused.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });

    for (const form of ['form-notes', 'form-conversations', 'form-logout', 'form-bounce']) {
      const answer = page.waitForResponse((r) => r.url().startsWith(victim) && r.request().method() === 'POST');
      await page.goto(`${attacker}/app/api/hostile/${form}`);
      const res = await answer;
      // A real attack: Chromium attached Alice's cookie (one site, SameSite=Lax) and named no
      // origin, or evil's. Over http it sends no Sec-Fetch-Site, so Origin alone decides.
      const sent = await res.request().allHeaders();
      assert.match(sent.cookie ?? '', /fluxy_session=/, `${form}: Alice's cookie went along`);
      assert.equal(sent.origin, form === 'form-conversations' ? attacker : 'null', form);
      assert.equal(res.status(), 403, form);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'cross_origin', form);
    }
    await page.goto(`${attacker}/app/api/hostile/no-cors`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { done: Promise<string> }).done), 'sent');
    await page.goto(`${attacker}/app/api/hostile/ws`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { done: Promise<string> }).done), 'refused');

    assert.deepEqual(refused.sort(), ['403 /api/conversations', '403 /api/conversations', '403 /api/portal/logout', '403 /app/api/notes', '403 /app/api/notes', '403 /app/api/notes']);
    assert.deepEqual(await notes(), before.notes, 'no note stored');
    assert.equal(await conversations(), before.conversations, 'no conversation created');
    await aliceStillSignedIn(page);
    await page.close();
  });

  test("evil's Set-Cookie for the parent domain: the relay keeps it on evil's host, Alice stays signed in", async () => {
    const page = await context.newPage();
    const toss = await page.goto(`${attacker}/app/api/hostile/toss-header`);
    assert.equal(toss?.status(), 200);
    const jar = await sessionCookies();
    // The cookie did arrive (so the rule, not a lost header, is what this shows), host-only on evil.
    assert.ok(jar.some((c) => c.domain === `evil.${PARENT}` && c.value === 'EVIL'), JSON.stringify(jar));
    assert.deepEqual(jar.filter((c) => c.domain !== `evil.${PARENT}` && c.domain !== `alice.${PARENT}`), [], 'no session cookie for my.D, D or a sibling');
    const own = jar.filter((c) => c.domain === `alice.${PARENT}`);
    assert.equal(own.length, 1);
    assert.notEqual(own[0]!.value, 'EVIL', "Alice's own cookie untouched");

    const cookie = await aliceStillSignedIn(page);
    assert.doesNotMatch(cookie, /EVIL/, 'nothing tossed reaches Alice');
    await page.close();
  });

  test("a cookie evil's script sets for my.D (no relay sees it) comes first, and Alice stays signed in", async () => {
    const page = await context.newPage();
    await page.goto(`${attacker}/app/api/hostile/toss-script`);
    // The page's script plants it; `goto` may return before the jar shows it (seen once on a clean clone).
    await waitFor('the script to plant the cookie', async () => (await sessionCookies()).some((c) => c.domain === `.${PARENT}` && c.value === 'EVIL'), 15_000);
    const cookie = await aliceStillSignedIn(page);
    assert.match(cookie, /^fluxy_session=EVIL; fluxy_session=/, 'the tossed cookie really came first');
    await page.close();
  });
});
