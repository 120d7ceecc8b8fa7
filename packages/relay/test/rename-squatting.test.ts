// Finding 6 of issue 7: one token renamed 200 times in 1.75 s, and every old name then answered
// `cooling_off` to everyone for 7 days. Renames are now limited per handle and per address, a
// token holds only its last old name (for itself alone), and wrong tokens are limited per address.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, DOMAIN, registerBot, startRelay, type TestRelay } from './helpers.ts';
import { startTarget, type Target } from './target.ts';

let relay: TestRelay;
let target: Target;
before(async () => {
  target = await startTarget();
  // The relay's own defaults for renames and wrong tokens (the helper raises them for other tests).
  relay = await startRelay({ renameLimit: undefined, badTokenLimit: undefined });
});
after(async () => {
  await relay?.close();
  await target?.close();
});

test('20 quick renames: refused after the limit with 429 and Retry-After; old names stay the owner\'s', async () => {
  const token = await registerBot(relay.url, 'squatter', target.url);
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  for (let i = 1; i <= 20; i++) {
    const res = await api(relay.url, 'POST', '/api/handle/change', { username: `squat-${i}` }, token);
    statuses.push(res.status);
    if (res.status === 429) {
      retryAfter = res.headers['retry-after'] as string;
      assert.equal(res.json().error.code, 'rate_limited');
    }
  }
  assert.deepEqual(statuses, [...Array(5).fill(200), ...Array(15).fill(429)]);
  assert.ok(Number(retryAfter) > 0 && Number(retryAfter) <= 3600, `Retry-After: ${retryAfter}`);

  const availability = async (name: string, bearer?: string) => (await api(relay.url, 'GET', `/api/handles/${name}?tier=free`, undefined, bearer)).json();
  // squat-4 is the name it last renamed away from: held, for its former owner only.
  assert.deepEqual(await availability('squat-4', token), { available: true, host: `squat-4.my.${DOMAIN}` });
  assert.deepEqual(await availability('squat-4'), { available: false, reason: 'cooling_off', host: `squat-4.my.${DOMAIN}` });
  // Earlier names were freed by the next rename; the original name too.
  for (const name of ['squatter', 'squat-1', 'squat-2', 'squat-3']) assert.deepEqual(await availability(name), { available: true, host: `${name}.my.${DOMAIN}` }, name);
  // A second handle renamed from the same address: the per-address count is already spent.
  const other = await registerBot(relay.url, 'neighbour', target.url);
  const fromSameAddress = await api(relay.url, 'POST', '/api/handle/change', { username: 'neighbour-2' }, other);
  assert.equal(fromSameAddress.status, 429, 'the address is limited too, whatever handle it renames');
});

test('wrong relay tokens: limited per address, a valid token still works', async () => {
  const token = await registerBot(relay.url, 'honest', target.url);
  const statuses: number[] = [];
  for (let i = 0; i < 25; i++) statuses.push((await api(relay.url, 'POST', '/api/heartbeat', {}, `fxr_wrong${i}`)).status);
  assert.deepEqual(statuses, [...Array(20).fill(401), ...Array(5).fill(429)]);
  const limited = await api(relay.url, 'POST', '/api/heartbeat', {}, 'fxr_wrong-again');
  assert.ok(Number(limited.headers['retry-after']) > 0);
  assert.equal((await api(relay.url, 'POST', '/api/heartbeat', {}, token)).status, 200, 'a neighbour behind the same address keeps its heartbeat');
});
