// Issue 3's benchmark: token latency from the fake provider's socket write to the bot:token frame
// at every connected client (1 and 50 clients), for the Claude Agent SDK path and the OpenAI path,
// with Fluxy's own share (from the provider client handing us the chunk to the frame arriving);
// and the time from user:message to the request reaching the provider, against a bare provider.
import { performance } from 'node:perf_hooks';
import { createAgentProvider } from '../packages/bot/src/agent/index.ts';
import { type FakeAnthropic, startFakeAnthropic } from '../packages/bot/test/fakes/anthropic.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../packages/bot/test/fakes/openai.ts';
import { makeTempEnv, makeTurn } from '../packages/bot/test/fakes/harness.ts';
import { ChatClient } from '../packages/bot/test/helpers/chat-client.ts';
import { runCli, startInstance } from '../packages/bot/test/helpers/instance.ts';
import type { BenchSection } from './run.ts';
import { fmt } from './lib/load.ts';

const TOKENS = 60;
const TURNS = 4;
const abs = (t: number) => performance.timeOrigin + t;

function script(): { text: string }[] | ({ text: string } | { delayMs: number })[] {
  const steps: ({ text: string } | { delayMs: number })[] = [];
  for (let i = 0; i < TOKENS; i++) steps.push({ text: `t${i} ` }, { delayMs: 15 });
  return steps;
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

interface Row {
  path: string;
  clients: number;
  e2e: number[];
  own: number[];
  toProvider: number[];
}

async function measure(kind: 'anthropic' | 'openai', clientCounts: number[]): Promise<Row[]> {
  const fake: FakeAnthropic | FakeOpenAI = kind === 'anthropic' ? await startFakeAnthropic(() => script()) : await startFakeOpenAI(() => script());
  const bot = await startInstance({ env: { FLUXY_TRACE_TOKENS: '1' } });
  const rows: Row[] = [];
  try {
    const setup = ['setup', '--provider', kind, '--model', kind === 'anthropic' ? 'claude-sonnet-4-5' : 'gpt-test', '--api-key', 'sk-bench', '--base-url', fake.url];
    const r = await runCli(setup, bot.env);
    if (r.code !== 0) throw new Error(r.stderr);
    const token = await bot.login();
    for (const n of clientCounts) {
      const clients = await Promise.all(Array.from({ length: n }, () => ChatClient.connect(bot.port, token)));
      const row: Row = { path: kind === 'anthropic' ? 'Claude Agent SDK' : 'OpenAI', clients: n, e2e: [], own: [], toProvider: [] };
      let conversationId: string | undefined;
      for (let turn = 0; turn <= TURNS; turn++) {
        const from = clients.map((c) => c.frames.length);
        const arrivals = clients.map(() => [] as { at: number; text: string; t?: number }[]);
        const listeners = clients.map((c, i) => {
          const onMessage = (data: Buffer) => {
            const at = abs(performance.now());
            const f = JSON.parse(data.toString()) as { type: string; text?: string; t?: number };
            if (f.type === 'bot:token') arrivals[i]!.push({ at, text: f.text!, t: f.t });
          };
          c.ws.on('message', onMessage);
          return onMessage;
        });
        const chunkStart = fake.chunks.length;
        const requestStart = fake.requests.length;
        const sentAt = abs(performance.now());
        clients[0]!.send({ type: 'user:message', content: `turn ${turn}`, conversationId });
        const [response] = await Promise.all(clients.map((c, i) => c.waitFor('bot:response', () => true, 120_000, from[i])));
        for (const [i, c] of clients.entries()) c.ws.off('message', listeners[i]!);
        conversationId ??= response!.conversationId;
        if (turn === 0) continue; // the first turn starts the agent cold; the rest is the steady state
        const written = fake.chunks.slice(chunkStart).map((c) => abs(c.writtenAt));
        row.toProvider.push(abs(fake.requests[requestStart]!.receivedAt) - sentAt);
        for (const list of arrivals) {
          list.forEach((a, k) => {
            if (written[k] !== undefined) row.e2e.push(a.at - written[k]!);
            if (a.t !== undefined) row.own.push(a.at - a.t);
          });
        }
      }
      for (const c of clients) c.close();
      rows.push(row);
    }
  } finally {
    await bot.stop();
    await fake.close();
  }
  return rows;
}

/** A bare warm Claude provider, as the chat uses it: run() to the request reaching the fake. */
async function bareClaude(): Promise<number[]> {
  // The same streamed reply as through Fluxy: how long the last turn streamed changes how soon
  // Claude Code takes the next one.
  const fake = await startFakeAnthropic(() => script());
  const env = makeTempEnv('fluxy-bench-');
  const provider = createAgentProvider({ provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: 'sk', baseUrl: fake.url }, env);
  const times: number[] = [];
  let sessionId: string | undefined;
  try {
    for (let i = 0; i <= TURNS; i++) {
      const before = fake.requests.length;
      const t0 = performance.now();
      for await (const ev of provider.run(makeTurn(`q${i}`, { sessionId }))) if (ev.type === 'session') sessionId = ev.sessionId;
      if (i > 0) times.push(fake.requests[before]!.receivedAt - t0);
    }
  } finally {
    await provider.close();
    await fake.close();
    env.cleanup();
  }
  return times;
}

export default async function bench(): Promise<BenchSection> {
  const rows = [...(await measure('anthropic', [1, 50])), ...(await measure('openai', [1, 50]))];
  const bare = await bareClaude();
  const table = rows
    .map((r) => `| ${r.path} | ${r.clients} | ${r.e2e.length} | ${fmt(pct(r.e2e, 50))} | ${fmt(pct(r.e2e, 99))} | ${fmt(pct(r.own, 50))} | ${fmt(pct(r.own, 99))} |`)
    .join('\n');
  const sdk = rows.find((r) => r.path === 'Claude Agent SDK')!;
  const oa = rows.find((r) => r.path === 'OpenAI')!;
  return {
    title: 'Chat: token latency and time to the provider',
    body: `Each turn streams ${TOKENS} chunks 15 ms apart; ${TURNS} measured turns after a warm-up turn, per row. Times in ms.
"End to end": the fake provider writing the chunk to its socket → the \`bot:token\` frame arriving at each client.
"Fluxy's share": the SDK or provider client handing Fluxy the chunk → the frame arriving (includes the client side's own event loop, which runs all 50 clients in one process).

| path | clients | frames | end to end p50 | end to end p99 | Fluxy's share p50 | Fluxy's share p99 |
|---|---|---|---|---|---|---|
${table}

Time from sending \`user:message\` to the request reaching the provider (warm turns, median):
- Claude Agent SDK through Fluxy: **${fmt(pct(sdk.toProvider, 50), 1)} ms** (p99 ${fmt(pct(sdk.toProvider, 99), 1)}); a bare warm provider \`run()\`: ${fmt(pct(bare, 50), 1)} ms → Fluxy adds **${fmt(pct(sdk.toProvider, 50) - pct(bare, 50), 1)} ms** (target < 10 ms). The design keeps a warm Claude Code process per conversation (cold start ≈ 400 ms, first turn of a conversation).
- OpenAI through Fluxy: ${fmt(pct(oa.toProvider, 50), 1)} ms.`,
  };
}
