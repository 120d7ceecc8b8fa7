// Regression for the security review's finding 5, relay side: the relay had the supervisor's
// handler (400, then socket.end(), the socket left in FIN_WAIT2 while the client held it open).
// Now one address holds at most `maxConnectionsPerAddress` connections and overdue headers get 408
// and a destroyed socket, while everyone else is served.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { openIdleClients } from '../../http-forward/test/idle-clients.ts';
import { request, startRelay, type TestRelay, waitFor } from './helpers.ts';

const IDLE = 300;
const CAP = 20;
let relay: TestRelay;
before(async () => {
  relay = await startRelay({ headersTimeoutMs: 800, maxConnectionsPerAddress: CAP });
});
after(async () => {
  await relay?.close();
});

test('idle connections from one address are capped and closed; others are served meanwhile', async () => {
  // The relay runs in this process: its sockets and the idle clients' are both counted here.
  const descriptors = () => readdirSync('/proc/self/fd').length;
  const baseline = descriptors();
  const idle = await openIdleClients(Number(new URL(relay.url).port), IDLE, '127.0.0.2');
  const health = await request(relay.url, { path: '/healthz' });
  assert.equal(health.status, 200);
  await waitFor(`all ${IDLE} idle sockets closed by the relay`, () => idle.ended() === IDLE, 15_000);
  assert.ok(idle.answers.length >= CAP && idle.answers.length < IDLE, `answered: ${idle.answers.length}`);
  for (const a of idle.answers) assert.match(a, /^HTTP\/1\.1 408 /);
  // The relay's sides are gone although every client still holds its own open.
  await waitFor('the relay to release its descriptors', () => descriptors() <= baseline + IDLE + 5, 5_000);
  idle.destroy();
});
