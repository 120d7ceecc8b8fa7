// What compression buys and costs: the dashboard's cold load in Chromium through the supervisor
// (bytes on the wire against bytes decoded), and the supervisor's CPU time per request for the
// largest module Vite serves and for a typical one, with brotli, gzip and none.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { launchBrowser } from '../packages/bot/test/helpers/browser.ts';
import { measureColdLoad } from '../packages/bot/test/helpers/cold-load.ts';
import { startInstance } from '../packages/bot/test/helpers/instance.ts';
import { fmt } from './lib/load.ts';
import type { BenchSection } from './run.ts';

/** utime + stime of a process, in ms (clock ticks of 10 ms: measured over enough requests to matter). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** `count` requests back to back on one keep-alive connection: the supervisor's CPU and the client's time per request. */
async function perRequest(pid: number, url: string, cookie: string, encoding: string, count: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(url);
  let bytes = 0;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, agent, headers: { cookie, 'accept-encoding': encoding } }, (res) => {
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  for (let i = 0; i < 3; i++) await once();
  bytes = 0;
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await once();
  const wall = (performance.now() - t0) / count;
  const cpu = (cpuMs(pid) - cpu0) / count;
  agent.destroy();
  return { cpu, wall, bytes: bytes / count };
}

export default async function bench(): Promise<BenchSection> {
  const [bot, browser] = await Promise.all([startInstance(), launchBrowser()]);
  try {
    const token = await bot.login();
    const load = await measureColdLoad(browser, bot.url, token);
    const biggest = [...load.responses].sort((a, b) => b.decoded - a.decoded)[0]!;
    const typical = load.responses.find((r) => new URL(r.url).pathname === '/src/App.tsx') ?? load.responses[1]!;
    const cookie = `fluxy_session=${token}`;
    const pid = bot.proc.pid!;
    const rows: string[] = [];
    for (const [label, r, count] of [
      ['largest module', biggest, 20],
      ['typical module', typical, 300],
    ] as const) {
      const path = new URL(r.url).pathname;
      const shown = path.length > 48 ? `…${path.slice(-45)}` : path;
      const none = await perRequest(pid, r.url, cookie, 'identity', count);
      for (const encoding of ['identity', 'gzip', 'br']) {
        const m = encoding === 'identity' ? none : await perRequest(pid, r.url, cookie, encoding, count);
        rows.push(
          `| ${label} (\`${shown}\`) | ${encoding} | ${fmt(m.bytes / 1024, 1)} KB | ${fmt(m.cpu, 2)} ms | ${encoding === 'identity' ? '—' : `+${fmt(m.cpu - none.cpu, 2)} ms`} | ${fmt(m.wall, 2)} ms |`,
        );
      }
    }
    const kb = (n: number) => `${fmt(n / 1024, 0)} KB`;
    const top = [...load.responses]
      .sort((a, b) => b.transferred - a.transferred)
      .slice(0, 3)
      .map((r) => `\`${new URL(r.url).pathname.split('/').pop()}\` ${kb(r.transferred)} of ${kb(r.decoded)}`)
      .join(', ');
    return {
      title: "Compression: the dashboard's cold load and the CPU it costs",
      body: `
The dashboard (Vite's development build) loaded by Chromium through the supervisor with an empty cache, after one warm-up visit in another context (Vite optimises its dependencies on the first request): **${kb(load.transferred)} transferred** for ${kb(load.decoded)} of decoded bodies in ${load.responses.length} responses (target under 1 MB; 3.9 MB before compression), ${fmt(load.ms, 0)} ms to the page's text with the network quiet. Largest: ${top}.

Supervisor CPU per request (utime + stime from \`/proc\`, 10 ms ticks, averaged over back-to-back requests on one keep-alive connection), and the client's time per request, by \`Accept-Encoding\`:

| response | encoding | body on the wire | supervisor CPU | added by compressing | time per request |
|---|---|---:|---:|---:|---:|
${rows.join('\n')}

Brotli runs at quality 5 and gzip at level 6 for dynamic content: a module of a few KB costs a fraction of a millisecond, the 3 MB react-dom development build a few tens. Vite marks its dependency bundles \`immutable\` (their URLs carry a version), so a browser pays that once; the chat app's hashed files can be served from precompressed \`.br\`/\`.gz\` siblings at no CPU cost per request.
`,
    };
  } finally {
    await browser.close();
    await bot.stop();
  }
}
