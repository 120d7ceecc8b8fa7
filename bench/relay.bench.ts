// The relay's throughput and latency against the target directly, nginx and the seed's
// http-proxy 1.18, on one machine in one run, with 1,000 registered handles. Needs Debian's
// `wrk` and `nginx` (apt-get install wrk nginx). Loopback only; about three minutes.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { openStore } from '../packages/relay/src/store/index.ts';
import { hashToken } from '../packages/relay/src/tokens.ts';
import { wrk } from './lib/wrk.ts';

const root = new URL('..', import.meta.url).pathname;
const DOMAIN = 'bench.test';
const HANDLES = 1000;
const CONNECTIONS = 64;
const THROUGHPUT_S = 8;
const LATENCY_S = 5;
const ROUNDS = 2;

interface Figures {
  rps: number;
  /** Throughput with autocannon as the load generator (a Node client: itself the ceiling sooner). */
  acRps: number;
  p50: number; // µs, one connection
  p99: number;
}

function startChild(cmd: string, args: string[], ready: (line: string) => boolean): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c) => (err += c));
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${err}`)), 30_000);
    proc.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      for (const line of buf.split('\n')) {
        if (ready(line)) {
          clearTimeout(timer);
          resolve({ proc, line });
          return;
        }
      }
    });
    proc.once('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${err}`)));
  });
}

async function autocannonRps(url: string): Promise<{ rps: number; errors: string }> {
  let i = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: THROUGHPUT_S,
    requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, host: `bot${i++ % HANDLES}.my.${DOMAIN}` } }) }],
  });
  return { rps: result.requests.average, errors: result.non2xx || result.errors ? `autocannon: ${result.non2xx} non-2xx, ${result.errors} errors` : '' };
}

async function measure(url: string, script: string): Promise<Figures & { errors: string }> {
  await wrk(url, CONNECTIONS, 2, script); // warm up: JIT, keep-alive pools, caches
  const t = await wrk(url, CONNECTIONS, THROUGHPUT_S, script);
  const l = await wrk(url, 1, LATENCY_S, script);
  const a = await autocannonRps(url);
  return { rps: t.rps, acRps: a.rps, p50: l.p50, p99: l.p99, errors: [t.errors, l.errors, a.errors].filter(Boolean).join('; ') };
}

export default async function relayBench() {
  const dir = mkdtempSync(join(tmpdir(), 'fluxy-relay-bench-'));
  const children: ChildProcess[] = [];
  const tsx = [process.execPath, '--import', 'tsx'] as const;
  const load0 = loadavg()[0]!;
  try {
    // Requests cycle through all 1,000 handles, so the relay's lookup cache is exercised across them.
    const script = join(dir, 'hosts.lua');
    writeFileSync(
      script,
      `local i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", "/", { ["Host"] = "bot" .. (i % ${HANDLES}) .. ".my.${DOMAIN}" })\nend\n`,
    );

    const target = await startChild(tsx[0], [...tsx.slice(1), 'packages/relay/test/bench/target-server.ts'], (l) => l.startsWith('{'));
    children.push(target.proc);
    const targetUrl = `http://127.0.0.1:${JSON.parse(target.line).port}`;

    // 1,000 handles, all online and pointing at the target.
    const db = join(dir, 'relay.db');
    const store = openStore(db);
    await store.migrate();
    for (let i = 0; i < HANDLES; i++) {
      const r = await store.createHandle({ name: `bot${i}`, tier: 'free', tokenHash: hashToken(`bench-${i}`), now: Date.now() });
      if (r.ok) await store.touch(r.record.id, Date.now() + 3_600_000, targetUrl);
    }
    await store.close();

    const cores = availableParallelism();
    const relayArgs = (workers: number) => [
      'packages/relay/bin/fluxy-relay.js', '--port', '0', '--host', '127.0.0.1', '--domain', DOMAIN, '--db', db,
      '--allow-private-targets', '--stale-after', '7200', '--workers', String(workers), '--log-level', 'info',
      '--max-concurrent', '100000',
    ];
    const listening = (l: string) => l.includes('"relay listening"');
    const relay = await startChild(process.execPath, relayArgs(cores), listening);
    children.push(relay.proc);
    const relay1 = await startChild(process.execPath, relayArgs(1), listening);
    children.push(relay1.proc);
    const hp = await startChild(tsx[0], [...tsx.slice(1), 'packages/relay/test/bench/http-proxy-server.ts', targetUrl], (l) => l.startsWith('{'));
    children.push(hp.proc);

    const nginxPort = 20000 + Math.floor(Math.random() * 20000);
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes auto;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream target { server ${new URL(targetUrl).host}; keepalive 128; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://target;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`,
    );
    const nginx = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    children.push(nginx);
    const nginxUrl = `http://127.0.0.1:${nginxPort}`;
    for (const deadline = Date.now() + 10_000; ; ) {
      try {
        await fetch(nginxUrl);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const address = (line: string) => `http://${JSON.parse(line).address}`;
    const configs: [string, string][] = [
      ['target directly', targetUrl],
      [`nginx (worker_processes auto = ${cores}, upstream keep-alive)`, nginxUrl],
      ['http-proxy 1.18, one process (the seed)', `http://127.0.0.1:${JSON.parse(hp.line).port}`],
      ['fluxy-relay, --workers 1', address(relay1.line)],
      [`fluxy-relay, --workers ${cores} (default)`, address(relay.line)],
    ];
    // Rounds alternate over the configurations; the best round of each counts, so that a burst
    // of load from elsewhere on a shared machine hurts one sample, not one configuration.
    const best = new Map<string, Figures & { errors: string }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, url] of configs) {
        process.stderr.write(`  round ${round + 1}: ${name}\n`);
        const f = await measure(url, script);
        const prev = best.get(name);
        best.set(name, prev ? { rps: Math.max(prev.rps, f.rps), acRps: Math.max(prev.acRps, f.acRps), p50: Math.min(prev.p50, f.p50), p99: Math.min(prev.p99, f.p99), errors: prev.errors || f.errors } : f);
      }
    }

    const direct = best.get(configs[0]![0])!;
    const nginxF = best.get(configs[1]![0])!;
    const rows = configs.map(([name]) => {
      const f = best.get(name)!;
      const added = name === configs[0]![0] ? '—' : `${((f.p50 - direct.p50) / 1000).toFixed(3)} ms`;
      return `| ${name} | ${Math.round(f.rps).toLocaleString('en-US')} | ${(f.rps / nginxF.rps).toFixed(2)}× | ${Math.round(f.acRps).toLocaleString('en-US')} | ${(f.acRps / nginxF.acRps).toFixed(2)}× | ${(f.p50 / 1000).toFixed(3)} ms | ${(f.p99 / 1000).toFixed(3)} ms | ${added} |${f.errors ? ` ${f.errors}` : ''}`;
    });
    const relayF = best.get(configs[4]![0])!;
    const seedF = best.get(configs[2]![0])!;
    const load1 = loadavg()[0]!;
    const ratio = (x: number, y: number) => (x / y).toFixed(2);
    const body = `Proxied \`GET /\` (22-byte body) through each proxy to the same single-process Node target, ${HANDLES.toLocaleString('en-US')} handles registered and requests cycling through all of them (Host \`botN.my.${DOMAIN}\`). Throughput with ${CONNECTIONS} connections for ${THROUGHPUT_S} s, measured twice: with \`wrk -t1\` (C, the lighter client) and with autocannon (Node; it saturates sooner, which caps the fast paths and flatters the slow ones). Latency: \`wrk -t1 -c1\` for ${LATENCY_S} s (one keep-alive connection). Best of ${ROUNDS} alternating rounds, after a 2 s warm-up each. Load generator, target and proxy share the machine's ${cores} cores.

| path | req/s, wrk | vs nginx | req/s, autocannon | vs nginx | p50 (1 conn) | p99 (1 conn) | added p50 vs direct |
|---|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

fluxy-relay with one process per core: **${ratio(relayF.rps, nginxF.rps)}× nginx** under wrk, **${ratio(relayF.acRps, nginxF.acRps)}×** under autocannon (target ≥ 0.5×); **${((relayF.p50 - direct.p50) / 1000).toFixed(3)} ms** added at p50 with one connection (target < 1 ms). Against the seed's single http-proxy 1.18 process: ${ratio(relayF.rps, seedF.rps)}× its throughput.
The issue's calibration ("one Node proxy process reaches only 0.32–0.39× nginx") matches the autocannon column (single Node proxies above: ${ratio(seedF.acRps, nginxF.acRps)}× and ${ratio(best.get(configs[3]![0])!.acRps, nginxF.acRps)}×); under wrk, which lets nginx run twice as fast, no Node proxy on these 2 shared cores comes near half of nginx.
Load average (1 min) ${load0.toFixed(1)} before and ${load1.toFixed(1)} after the run${load0 > cores / 2 ? ': the machine was busy with other work, so absolute figures are low and noisy; the ratios are the point' : ''}.`;
    return { title: 'Relay: proxied requests through fluxy-relay vs nginx vs http-proxy', body };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
