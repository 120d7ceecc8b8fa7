// Issue 2's benchmark: GET /api/health directly against the worker, through the supervisor, and
// through two http-proxy 1.18 yardsticks in front of the same worker (as the seed ran it, without an
// agent, and given a keep-alive agent: the fair match); start-up time; idle memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { freeBasePort, startInstance } from '../packages/bot/test/helpers/instance.ts';
import type { BenchSection } from './run.ts';
import { concurrent, fmt, type LoadResult, sequential } from './lib/load.ts';
import { hasWrk, wrk } from './lib/wrk.ts';

const ROUNDS = 2;

/** User + system CPU seconds a process has used (clock ticks are 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

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

  const yardPorts = [await freeBasePort(), await freeBasePort(), await freeBasePort()];
  const worker = `http://127.0.0.1:${workerPort}`;
  const yards = await Promise.all(
    [
      [join(import.meta.dirname, 'lib/yardstick-proxy.cjs'), String(yardPorts[0]), worker],
      [join(import.meta.dirname, 'lib/yardstick-proxy.cjs'), String(yardPorts[1]), worker, 'keepalive'],
      ['--import', 'tsx', join(import.meta.dirname, 'lib/bare-forwarder.ts'), String(yardPorts[2]), worker],
    ].map(async (args) => {
      const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => proc.stdout!.once('data', () => resolve()));
      return proc;
    }),
  );

  const targets: [string, string][] = [
    ['worker directly', `http://127.0.0.1:${workerPort}/api/health`],
    ['through the supervisor', `${bot.url}/api/health`],
    ['through http-proxy 1.18, no agent (the seed)', `http://127.0.0.1:${yardPorts[0]}/api/health`],
    ['through http-proxy 1.18 + keep-alive agent', `http://127.0.0.1:${yardPorts[1]}/api/health`],
    ['through the shared forwarder alone (no supervisor logic)', `http://127.0.0.1:${yardPorts[2]}/api/health`],
  ];
  const withWrk = hasWrk();
  const load0 = loadavg()[0]!;
  // Best of ROUNDS alternating rounds: the machine is shared, and a neighbour's burst should not
  // decide which proxy looks faster.
  const best = targets.map(() => ({ one: undefined as LoadResult | undefined, fifty: undefined as LoadResult | undefined, wrk: Number.NaN, cpuUs: Number.NaN, workerUs: Number.NaN }));
  // The process doing the proxying on each path (none for the worker itself).
  const proxyPid = [undefined, bot.proc.pid!, yards[0]!.pid!, yards[1]!.pid!, yards[2]!.pid!];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [, url]] of targets.entries()) {
        const b = best[i]!;
        const one = await sequential(url, 3000);
        if (!b.one || one.p50 < b.one.p50) b.one = one;
        const fifty = await concurrent(url, 50, 8);
        if (!b.fifty || fifty.rps > b.fifty.rps) b.fifty = fifty;
        if (withWrk) {
          await wrk(url, 50, 2);
          const pid = proxyPid[i];
          const cpu0 = pid ? cpuSeconds(pid) : 0;
          const worker0 = cpuSeconds(pids[1][1]);
          const w = await wrk(url, 50, 8);
          if (w.errors) throw new Error(`${url}: ${w.errors}`);
          if (Number.isNaN(b.wrk) || w.rps > b.wrk) b.wrk = w.rps;
          // The proxy's own CPU per request: what a busy neighbour cannot skew much.
          const cpuUs = pid ? ((cpuSeconds(pid) - cpu0) / (w.rps * 8)) * 1e6 : Number.NaN;
          if (Number.isNaN(b.cpuUs) || cpuUs < b.cpuUs) {
            b.cpuUs = cpuUs;
            b.workerUs = ((cpuSeconds(pids[1][1]) - worker0) / (w.rps * 8)) * 1e6;
          }
        }
      }
    }
  } finally {
    for (const y of yards) y.kill();
  }
  const load1 = loadavg()[0]!;
  const one = best.map((b) => b.one!);
  const fifty = best.map((b) => b.fifty!);

  // And again once the load has settled.
  await new Promise((r) => setTimeout(r, 2000));
  const memRows = pids.map(([name, pid], i) => `| ${name} | ${fmt(idle[i]!, 1)} | ${fmt(rssMiB(pid), 1)} |`).join('\n');
  await bot.stop();

  const rows = targets
    .map(([name], i) => {
      const cpu = Number.isNaN(best[i]!.cpuUs) ? '—' : fmt(best[i]!.cpuUs, 0);
      const w = withWrk ? ` ${fmt(best[i]!.wrk, 0)} | ${cpu} | ${fmt(best[i]!.workerUs, 0)} |` : '';
      return `| ${name} | ${fmt(one[i]!.rps, 0)} | ${fmt(one[i]!.p50, 3)} | ${fmt(one[i]!.p99, 3)} | ${fmt(fifty[i]!.rps, 0)} | ${fmt(fifty[i]!.p50, 0)} | ${fmt(fifty[i]!.p99, 0)} |${w}`;
    })
    .join('\n');
  const [direct, sup, seed, keep, bare] = [0, 1, 2, 3, 4];
  const ratio = (a: number, b: number) => fmt(a / b);
  const wrkLine = withWrk
    ? `\n- The same at 50 connections under \`wrk -t1\` (a C client, lighter than autocannon): supervisor / keep-alive yardstick **${ratio(best[sup]!.wrk, best[keep]!.wrk)}×**, / seed yardstick ${ratio(best[sup]!.wrk, best[seed]!.wrk)}×. CPU the proxy process spends per request during that run (user + system, best round): supervisor ${fmt(best[sup]!.cpuUs, 0)} µs, keep-alive yardstick ${fmt(best[keep]!.cpuUs, 0)} µs (${ratio(best[keep]!.cpuUs, best[sup]!.cpuUs)}× the supervisor's), seed yardstick ${fmt(best[seed]!.cpuUs, 0)} µs; the shared forwarder alone ${fmt(best[bare]!.cpuUs, 0)} µs (the keep-alive yardstick spends ${ratio(best[keep]!.cpuUs, best[bare]!.cpuUs)}× as much), a difference of ${fmt(best[sup]!.cpuUs - best[bare]!.cpuUs, 0)} µs from the supervisor for its routing, checks and headers (within the noise when small or negative).
- Per process (requests one core moves through the proxy, 10⁶ / its CPU µs per request, the measure of the relay's "1.5× http-proxy-3"): supervisor ${fmt(1e6 / best[sup]!.cpuUs, 0)}/s, keep-alive yardstick ${fmt(1e6 / best[keep]!.cpuUs, 0)}/s: **${ratio(best[keep]!.cpuUs, best[sup]!.cpuUs)}×** (target ≥ 1.3).
- What the end-to-end ratio can reach: the worker behind every proxy spends about ${fmt(best[sup]!.workerUs, 0)} µs of CPU per request and the load generator shares the same 2 cores, so end-to-end throughput is bounded by 2 cores / (worker + client + proxy CPU per request). With the proxies' CPU above, the supervisor's bound over the keep-alive yardstick's is (worker + ${fmt(best[keep]!.cpuUs, 0)}) / (worker + ${fmt(best[sup]!.cpuUs, 0)}) = ${ratio(best[sup]!.workerUs + best[keep]!.cpuUs, best[sup]!.workerUs + best[sup]!.cpuUs)}× before the client's share, which brings it nearer 1: 1.3× end to end would need the supervisor to cost far less than the worker's Express handler.`
    : '';
  return {
    title: 'Bot: GET /api/health through the supervisor',
    body: `Best of ${ROUNDS} alternating rounds per path. Load average (1 min) ${fmt(load0, 1)} before the load and ${fmt(load1, 1)} after it: the machine's 2 cores were shared with other work (other sessions' builds and tests), so absolute figures are low and noisy; the ratios between rows of one run are what to compare.

| path | 1 conn req/s | 1 conn p50 ms | 1 conn p99 ms | 50 conn req/s | 50 conn p50 ms | 50 conn p99 ms |${withWrk ? ' 50 conn req/s, wrk | proxy CPU µs/req | worker CPU µs/req |' : ''}
|---|---|---|---|---|---|---|${withWrk ? '---|---|---|' : ''}
${rows}

- **Verdict on the ≥ 1.3× target, by the steadier measure (proxy CPU per request): ${best[keep]!.cpuUs / best[sup]!.cpuUs >= 1.3 ? 'met' : 'not met'}** (${ratio(best[keep]!.cpuUs, best[sup]!.cpuUs)}×). The throughput ratios below swing with the neighbours' load from run to run (one row's 8 s can fall in a neighbour's burst); read them with the CPU column.
- Supervisor / **keep-alive yardstick** (http-proxy 1.18 given a keep-alive agent) at 50 connections: **${ratio(fifty[sup]!.rps, fifty[keep]!.rps)}×** (target ≥ 1.3); at 1 connection: ${ratio(one[sup]!.rps, one[keep]!.rps)}×.
- Supervisor / seed yardstick (http-proxy 1.18 with no agent, as the seed ran it) at 50 connections: ${ratio(fifty[sup]!.rps, fifty[seed]!.rps)}×; at 1 connection: ${ratio(one[sup]!.rps, one[seed]!.rps)}×.${wrkLine}
- Supervisor / direct throughput at 50 connections: ${ratio(fifty[sup]!.rps, fifty[direct]!.rps)}×.
- Added latency at p50 with one connection: **${fmt((one[sup]!.p50 - one[direct]!.p50) * 1000, 0)} µs** (target < 1 ms); the keep-alive yardstick adds ${fmt((one[keep]!.p50 - one[direct]!.p50) * 1000, 0)} µs, the seed's ${fmt((one[seed]!.p50 - one[direct]!.p50) * 1000, 0)} µs.
- \`fluxy start\` to all children healthy (spawning the CLI on a fresh data directory: template copy, worker migrations, Vite and backend ready; polled every 100 ms): **${fmt(startMs / 1000, 2)} s**.
- The seed yardstick answers every request with \`Connection: close\` (no agent), so its clients reconnect for each request: that, not queueing in the worker, is its 50-connection latency. The keep-alive yardstick is the fair comparison.
- autocannon (50 connections, 8 s after 1 s warm-up) runs in the benchmark's own Node process on the same 2 cores as the proxies and the worker.
- How to read it: with the worker (Express, about 100 µs of CPU per request), the load generator and the proxy sharing 2 cores, throughput ratios between proxies swing from run to run with whatever else the machine does. The proxy's own CPU per request is the steadier measure of the forwarder itself: the supervisor's (which also routes, checks the path and sets the forwarded headers) is the figure to compare with the keep-alive yardstick's.

Where the supervisor's CPU goes (a V8 CPU profile of the supervisor under \`wrk -c50\` on /api/health, 2026-11-30, after the cuts below; shares of its busy time): Node's own HTTP, stream and event code 38 %, the socket write system calls 39 % (writev of the answer 25 %, the request to the worker 14 %), garbage collection 9 %, V8 and libuv 3 %, Fluxy's own code under 8 % (routing, path and Host checks, security and forwarded headers, the compression and settings-changed hooks: 6 %; the forwarder: 1.5 %). http-proxy 1.18 with a keep-alive agent runs on the same Node machinery, so both sit at its floor: even with none of Fluxy's code the supervisor could not cost 1.3× less than the yardstick (the bare forwarder row costs the same as the yardstick). The cuts made (each measured before and after on the same 50-connection load, CPU per request, best of 3 × 6 s, load average 5–9: 89–90 µs before, 71–84 µs after): the forwarder hands Node's client a flat header list instead of an object (no validated \`setHeader\` per header); a client that accepts no encoding gets only a Vary hook, not the compressor's write/end wrapping; the settings-changed hook copies the worker's headers only when its header is there; the security headers are not re-listed per request.

Memory (RSS, MiB), idle after start and idle after the load (V8 keeps the heap it grew):

| process | idle after start | after the load |
|---|---|---|
${memRows}`,
  };
}
