// Issue 2's benchmark: GET /api/health directly against the worker, through the supervisor, and
// through a minimal http-proxy 1.18 proxy in front of the same worker; start-up time; idle memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeBasePort, startInstance } from '../packages/bot/test/helpers/instance.ts';
import type { BenchSection } from './run.ts';
import { concurrent, fmt, type LoadResult, sequential } from './lib/load.ts';

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export default async function bench(): Promise<BenchSection> {
  const bot = await startInstance();
  const startMs = bot.readyMs;
  const health = (await bot.health()).body;
  const workerPort = bot.port + 1;
  const pids = [
    ['supervisor', bot.proc.pid!],
    ['worker', health.children.worker!.pid!],
    ['vite', health.children.vite!.pid!],
    ['backend', health.children.backend!.pid!],
  ] as const;
  // Idle: settled after start, before any request.
  await new Promise((r) => setTimeout(r, 2000));
  const idle = pids.map(([, pid]) => rssMiB(pid));

  const yardPort = await freeBasePort();
  const yard = spawn(process.execPath, [join(import.meta.dirname, 'lib/yardstick-proxy.cjs'), String(yardPort), `http://127.0.0.1:${workerPort}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => yard.stdout!.once('data', () => resolve()));

  const targets: [string, string][] = [
    ['worker directly', `http://127.0.0.1:${workerPort}/api/health`],
    ['through the supervisor', `${bot.url}/api/health`],
    ['through http-proxy 1.18 (yardstick)', `http://127.0.0.1:${yardPort}/api/health`],
  ];
  const one: LoadResult[] = [];
  const fifty: LoadResult[] = [];
  try {
    for (const [, url] of targets) one.push(await sequential(url, 3000));
    for (const [, url] of targets) fifty.push(await concurrent(url, 50, 8));
  } finally {
    yard.kill();
  }

  // And again once the load has settled.
  await new Promise((r) => setTimeout(r, 2000));
  const memRows = pids.map(([name, pid], i) => `| ${name} | ${fmt(idle[i]!, 1)} | ${fmt(rssMiB(pid), 1)} |`).join('\n');
  await bot.stop();

  const rows = targets
    .map(([name], i) => `| ${name} | ${fmt(one[i]!.rps, 0)} | ${fmt(one[i]!.p50, 3)} | ${fmt(one[i]!.p99, 3)} | ${fmt(fifty[i]!.rps, 0)} | ${fmt(fifty[i]!.p50, 0)} | ${fmt(fifty[i]!.p99, 0)} |`)
    .join('\n');
  const [direct, sup, yardR] = [0, 1, 2];
  const ratio = (a: LoadResult, b: LoadResult) => fmt(a.rps / b.rps);
  return {
    title: 'Bot: GET /api/health through the supervisor',
    body: `| path | 1 conn req/s | 1 conn p50 ms | 1 conn p99 ms | 50 conn req/s | 50 conn p50 ms | 50 conn p99 ms |
|---|---|---|---|---|---|---|
${rows}

- Supervisor / yardstick throughput at 50 connections: **${ratio(fifty[sup]!, fifty[yardR]!)}×** (target ≥ 1); at 1 connection: ${ratio(one[sup]!, one[yardR]!)}×.
- Supervisor / direct throughput at 50 connections: ${ratio(fifty[sup]!, fifty[direct]!)}×.
- Added latency at p50 with one connection: **${fmt((one[sup]!.p50 - one[direct]!.p50) * 1000, 0)} µs** (target < 1 ms); the yardstick adds ${fmt((one[yardR]!.p50 - one[direct]!.p50) * 1000, 0)} µs.
- \`fluxy start\` to all children healthy (spawning the CLI on a fresh data directory: template copy, worker migrations, Vite and backend ready; polled every 100 ms): **${fmt(startMs / 1000, 2)} s**.
- The yardstick answers every request with \`Connection: close\` (http-proxy 1.18 with no agent, as the seed ran it), so its clients reconnect for each request: that, not queueing in the worker, is its 50-connection latency.
- The load generator (autocannon, 50 connections, 8 s after 1 s warm-up) runs on the same 2 cores as the proxies and the worker, so absolute figures are lower than on a larger machine; the ratios are what to compare.

Memory (RSS, MiB), idle after start and idle after the load (V8 keeps the heap it grew):

| process | idle after start | after the load |
|---|---|---|
${memRows}`,
  };
}
