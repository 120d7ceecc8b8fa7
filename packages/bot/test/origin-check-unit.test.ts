// The cross-origin rule of supervisor/origin-check.ts, case by case (cross-bot-csrf.test.ts drives it from Chromium).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromOwnOrigin, isCrossOriginWrite, requestOrigin } from '../src/supervisor/origin-check.ts';
import { cookieValues, FLUXY_COOKIES, sessionCredentials, withoutCookies } from '../src/shared/session-token.ts';

const alice = { host: 'alice.my.test:3000' };

test("the request's own origin: Host on the base port, the forwarded host and scheme on the tunnel ingress", () => {
  assert.equal(requestOrigin(alice, false), 'http://alice.my.test:3000');
  const tunnelled = { host: '127.0.0.1:3003', 'x-forwarded-host': 'alice.my.fluxy.test', 'x-forwarded-proto': 'https' };
  assert.equal(requestOrigin(tunnelled, true), 'https://alice.my.fluxy.test');
  assert.equal(requestOrigin(tunnelled, false), 'http://127.0.0.1:3003', 'forwarded headers are the caller\'s say-so off the ingress');
  assert.equal(requestOrigin({ host: 'Alice.MY.test:443', 'x-forwarded-proto': 'https' }, true), 'https://alice.my.test', 'case and default port normalised');
});

test('Origin must equal the own origin; without it, Sec-Fetch-Site must say same-origin; neither is not a browser', () => {
  assert.ok(fromOwnOrigin({ ...alice, origin: 'http://alice.my.test:3000' }, false));
  assert.ok(!fromOwnOrigin({ ...alice, origin: 'http://evil.my.test:3000' }, false), 'a sibling bot');
  assert.ok(!fromOwnOrigin({ ...alice, origin: 'https://alice.my.test:3000' }, false), 'another scheme is another origin');
  assert.ok(!fromOwnOrigin({ ...alice, origin: 'http://alice.my.test:3001' }, false), 'another port');
  assert.ok(!fromOwnOrigin({ ...alice, origin: 'null' }, false), 'a sandboxed frame or data: page');
  // Origin: null is also what a form on the bot's own no-referrer page sends; then only Sec-Fetch-Site tells.
  assert.ok(fromOwnOrigin({ ...alice, origin: 'null', 'sec-fetch-site': 'same-origin' }, false), "the owner's own form");
  assert.ok(!fromOwnOrigin({ ...alice, origin: 'null', 'sec-fetch-site': 'same-site' }, false), "a sibling's form, or a redirect through a sibling");
  assert.ok(!fromOwnOrigin({ ...alice, origin: 'null', 'sec-fetch-site': 'cross-site' }, false), 'a sandboxed frame');
  assert.ok(!fromOwnOrigin({ ...alice, origin: 'not a url' }, false));
  assert.ok(fromOwnOrigin({ ...alice, 'sec-fetch-site': 'same-origin' }, false));
  assert.ok(!fromOwnOrigin({ ...alice, 'sec-fetch-site': 'same-site' }, false), 'same-site is exactly the cross-bot case');
  assert.ok(!fromOwnOrigin({ ...alice, 'sec-fetch-site': 'cross-site' }, false));
  assert.ok(fromOwnOrigin(alice, false), 'curl and scripts send neither');
  const ingress = { host: '127.0.0.1:3003', 'x-forwarded-host': 'alice.my.fluxy.test', 'x-forwarded-proto': 'https' };
  assert.ok(fromOwnOrigin({ ...ingress, origin: 'https://alice.my.fluxy.test' }, true));
  assert.ok(!fromOwnOrigin({ ...ingress, origin: 'https://evil.my.fluxy.test' }, true));
});

test('only cookie-authenticated writes are checked', () => {
  const hostile = { ...alice, origin: 'http://evil.my.test:3000' };
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'post']) assert.ok(isCrossOriginWrite(method, 'cookie', hostile, false), method);
  for (const method of ['GET', 'HEAD', 'OPTIONS']) assert.ok(!isCrossOriginWrite(method, 'cookie', hostile, false), method);
  assert.ok(!isCrossOriginWrite('POST', 'bearer', hostile, false), 'a Bearer token is never sent by a browser on its own');
  assert.ok(!isCrossOriginWrite('POST', 'cookie', { ...alice, origin: 'http://alice.my.test:3000' }, false));
});

test('several session cookies: Bearer first, then __Host-, then every fluxy_session value; Fluxy cookies stripped for the app', () => {
  const cookie = 'fluxy_session=EVIL; theme=dark; fluxy_session=good; __Host-fluxy_session=secure; fluxy_device=d';
  assert.deepEqual(cookieValues(cookie, 'fluxy_session'), ['EVIL', 'good']);
  assert.deepEqual(
    sessionCredentials({ cookie, authorization: 'Bearer tok' }).map((c) => `${c.via}:${c.token}`),
    ['bearer:tok', 'cookie:secure', 'cookie:EVIL', 'cookie:good'],
  );
  const many = Array.from({ length: 20 }, (_, i) => `fluxy_session=t${i}`).join('; ');
  assert.equal(sessionCredentials({ cookie: many }).length, 8, 'a flood of cookies costs a bounded number of checks');
  assert.equal(withoutCookies(`${cookie}; __Host-fluxy_device=x`, FLUXY_COOKIES), 'theme=dark', 'what the backend and Vite get');
});
