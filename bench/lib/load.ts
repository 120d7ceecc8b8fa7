import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One connection, requests back to back, timed in microseconds (autocannon's histogram is too coarse for sub-ms). */
export async function sequential(url: string, count: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(url);
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
      });
      req.on('error', reject);
      req.end();
    });
  for (let i = 0; i < Math.min(300, count / 5); i++) await once();
  const times: number[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) times.push(await once());
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  times.sort((a, b) => a - b);
  return { rps: count / seconds, p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Many connections with autocannon, after a short warm-up. */
export async function concurrent(url: string, connections: number, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  await autocannon({ url, connections, duration: 1, headers });
  const r = await autocannon({ url, connections, duration: seconds, headers });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

export const fmt = (n: number, digits = 2) => n.toFixed(digits);
