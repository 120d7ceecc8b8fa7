// Regression for the security review's finding 5: after the header timeout the supervisor answered
// 400 and only ended the socket, which then sat in FIN_WAIT2 holding a descriptor while the client
// kept its side open; 21,000 idle connections exhausted 20,000 descriptors and /api/health failed.
// Now one address holds at most 256 connections, a socket whose headers do not arrive in time gets
// 408 and is destroyed, and health answers throughout.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { openIdleClients } from '../../http-forward/test/idle-clients.ts';
import { type Instance, startInstance, waitFor } from './helpers/instance.ts';

const HEADERS_TIMEOUT_MS = 1500;
const IDLE = 2000;
/** Another loopback address: the idle client is not the one asking for health. */
const ATTACKER = '127.0.0.2';

let bot: Instance;
before(async () => {
  bot = await startInstance({ password: null, env: { FLUXY_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) } });
});
after(async () => {
  await bot?.stop();
});

const openDescriptors = () => readdirSync(`/proc/${bot.proc.pid}/fd`).length;

test('2,000 idle connections: health keeps answering, and the server closes every one of them', async () => {
  const baseline = openDescriptors();
  const idle = await openIdleClients(bot.port, IDLE, ATTACKER);

  // While they sit there, health answers for everyone else.
  for (let i = 0; i < 5; i++) {
    const h = await bot.health();
    assert.equal(h.status, 200);
    assert.equal(h.body.ok, true);
  }

  // Every idle socket is closed by the server: the ones over the per-address cap at once, the rest
  // when their headers are overdue.
  await waitFor(`all ${IDLE} idle sockets closed by the server`, () => idle.ended() === IDLE, 30_000);
  // Over the cap a connection is closed without a word; under it, it gets 408 when its time is up
  // (the cap counts connections open at once: ones still queued in the kernel get freed slots).
  assert.ok(idle.answers.length >= 256 && idle.answers.length < IDLE, `answered: ${idle.answers.length}`);
  for (const a of idle.answers) assert.match(a, /^HTTP\/1\.1 408 /);
  // And let go of their descriptors while the clients still hold their sides open (an ended, not
  // destroyed, socket would wait in FIN_WAIT2 for them).
  await waitFor(`descriptors released (baseline ${baseline}, now ${openDescriptors()})`, () => openDescriptors() <= baseline + 10, 10_000);
  assert.equal((await bot.health()).status, 200);
  idle.destroy();
});

test('a client that sends half its headers and stalls gets 408 and a closed socket', async () => {
  const s = connect({ host: '127.0.0.1', port: bot.port });
  let got = '';
  s.on('data', (d) => (got += d.toString('latin1')));
  const closedAt = new Promise<number>((resolve) => s.once('close', () => resolve(Date.now())));
  const start = Date.now();
  s.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  const end = await closedAt;
  assert.match(got, /^HTTP\/1\.1 408 /);
  assert.match(got, /"code":"request_timeout"/);
  assert.ok(end - start >= HEADERS_TIMEOUT_MS - 100, `closed after ${end - start} ms`);
});
