import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

function toMicros(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n : m[2] === 'ms' ? n * 1000 : n * 1e6;
}

/** Whether Debian's `wrk` is installed (apt-get install wrk). */
export function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version exits 1 after printing its version.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** `wrk -t1` (one C thread: a lighter client than autocannon); p50/p99 in µs. */
export async function wrk(
  url: string,
  connections: number,
  seconds: number,
  script?: string,
  headers: Record<string, string> = {},
): Promise<{ rps: number; p50: number; p99: number; errors: string }> {
  const h = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...h, ...(script ? ['-s', script] : []), url];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  const p50 = toMicros(/\n\s+50%\s+(\S+)/.exec(stdout)?.[1] ?? '');
  const p99 = toMicros(/\n\s+99%\s+(\S+)/.exec(stdout)?.[1] ?? '');
  const errors = [/Non-2xx or 3xx responses: \d+/.exec(stdout)?.[0], /Socket errors: [^\n]+/.exec(stdout)?.[0]].filter(Boolean).join('; ');
  return { rps, p50, p99, errors };
}
