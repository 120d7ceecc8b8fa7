// SIGTERM to the supervisor: within 5 s no child (nor anything in their process groups) is left and every port is free.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { runCli, startInstance } from './helpers/instance.ts';

function groupsAlive(pgids: number[]): string[] {
  // Zombies (state Z) are already dead: they hold no port or memory, and reaping them is init's job.
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => cols.length > 2 && pgids.includes(Number(cols[1])) && !cols[2]!.startsWith('Z'))
    .map((cols) => cols.join(' '));
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function assertAllGone(pids: number[], base: number) {
  assert.deepEqual(groupsAlive(pids), [], 'no process of any child group is left');
  for (const port of [base, base + 1, base + 2, base + 3, base + 4]) assert.ok(await portFree(port), `port ${port} is free`);
}

test('SIGTERM stops everything within 5 s', async (t) => {
  const bot = await startInstance();
  t.after(() => bot.stop());
  const pids = Object.values((await bot.health()).body.children).map((c) => c.pid!);
  assert.equal(pids.length, 3);
  assert.ok(groupsAlive(pids).length >= 3);
  // Timed to the supervisor's exit: stop() then also deletes the data directory (the workspace's
  // packages among it), which is the test's cleanup, not the shutdown.
  const exited = new Promise<number>((resolve) => bot.proc.once('exit', () => resolve(Date.now())));
  const t0 = Date.now();
  const code = await bot.stop();
  const took = (await exited) - t0;
  assert.equal(code, 0);
  assert.ok(took < 5000, `took ${took} ms`);
  await assertAllGone(pids, bot.port);
});

test('`fluxy stop` stops a running instance and waits until it is gone; status then says not running', async (t) => {
  const bot = await startInstance();
  t.after(() => bot.stop());
  const pids = Object.values((await bot.health()).body.children).map((c) => c.pid!);
  const running = await runCli(['status'], bot.env);
  assert.equal(running.code, 0);
  assert.match(running.stdout, new RegExp(`local:\\s+http://127.0.0.1:${bot.port}`));
  assert.match(running.stdout, /worker\s+running/);
  const stopped = await runCli(['stop'], bot.env);
  assert.equal(stopped.code, 0);
  assert.ok(bot.proc.exitCode !== null || bot.proc.signalCode !== null, 'the supervisor had exited when stop returned');
  assert.ok(!existsSync(`${bot.home}/fluxy.pid`));
  await assertAllGone(pids, bot.port);
  const status = await runCli(['status'], bot.env);
  assert.equal(status.code, 3);
  assert.match(status.stdout, /not running/);
});

test('a SIGKILLed supervisor leaves no orphans: children exit when their lifeline closes', async (t) => {
  const bot = await startInstance();
  t.after(() => bot.stop());
  const pids = Object.values((await bot.health()).body.children).map((c) => c.pid!);
  bot.proc.kill('SIGKILL');
  const deadline = Date.now() + 10_000;
  while (groupsAlive(pids).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await assertAllGone(pids, bot.port);
});
