// The Claude provider with the real Claude Agent SDK (its bundled Claude Code) against the fake
// Anthropic server: tools really run in a throwaway workspace.
// Its failures (HTTP errors, a cut stream, a refused connection) are in agent-claude-failures.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { createAgentProvider } from '../src/agent/index.ts';
import type { AgentEvent, AgentProvider } from '../src/agent/types.ts';
import { type AnthropicRequest, type FakeAnthropic, lastToolResults, lastUserText, startFakeAnthropic } from './fakes/anthropic.ts';
import { CLAUDE_TEST_KEY, claudeProvider, collect, finalEvent, makeTempEnv, makeTurn, type memoryLogger, type TempEnv, tokenText } from './fakes/harness.ts';

/** Every user-message text the fake saw in a request, tool results and reminders aside. */
function conversationTexts(req: AnthropicRequest): string[] {
  const out: string[] = [];
  for (const m of req.body.messages ?? []) {
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as { type: string; text?: string }[]);
    for (const b of blocks) if (b.type === 'text' && b.text && !b.text.startsWith('<system-reminder>')) out.push(`${m.role}: ${b.text}`);
  }
  return out;
}

describe('claude provider', () => {
  let env: TempEnv;
  let fake: FakeAnthropic;
  let agent: AgentProvider;
  let log: ReturnType<typeof memoryLogger>;
  const secret = 'fluxy-supervisor-secret-value';

  before(async () => {
    env = makeTempEnv();
    process.env['FLUXY_TEST_SECRET'] = secret;
    fake = await startFakeAnthropic((req) => {
      const said = lastUserText(req);
      const results = lastToolResults(req);
      if (said.includes('WRITE_ROUTE') && results.length === 0) {
        return [
          { text: ['Creating ', 'the route.'] },
          {
            toolUse: {
              name: 'Write',
              input: { file_path: join(env.workspaceDir, 'backend/routes/hello.ts'), content: 'export default "hello";\n' },
            },
          },
        ];
      }
      if (said.includes('SHOW_ENV') && results.length === 0) return [{ toolUse: { name: 'Bash', input: { command: 'env' } } }];
      if (results.length > 0) return [{ text: ['Done', '.'] }, { usage: { input_tokens: 1234, output_tokens: 56 } }];
      if (said.includes('LONG_TOOL') && results.length === 0) return [{ toolUse: { name: 'Bash', input: { command: 'sleep 30' } } }];
      if (said.includes('STALL')) return [{ delayMs: 20_000 }, { text: 'never' }];
      if (said.includes('SLOW')) return [{ text: ['Partial ', 'answer'] }, { delayMs: 20_000 }, { text: 'never' }];
      return [{ text: ['Hello ', 'from ', 'the fake.'] }];
    });
    ({ p: agent, log } = claudeProvider(fake, env));
  });

  after(async () => {
    await agent.close();
    await fake.close();
    env.cleanup();
    delete process.env['FLUXY_TEST_SECRET'];
  });

  test('a Write tool_use creates the file; events in order; done has usage and filesChanged', async () => {
    const events = await collect(agent, makeTurn('Please WRITE_ROUTE for me', { conversationId: 'write' }));
    const kinds = events.map((e) => (e.type === 'tool' ? `tool:${e.status}` : e.type));
    const dedup = kinds.filter((k, i) => k !== kinds[i - 1]);
    assert.deepEqual(dedup, ['session', 'token', 'tool:started', 'tool:done', 'token', 'done']);
    assert.equal(readFileSync(join(env.workspaceDir, 'backend/routes/hello.ts'), 'utf8'), 'export default "hello";\n');
    const done = finalEvent(events);
    assert.equal(done.type, 'done');
    if (done.type !== 'done') return;
    assert.equal(done.interrupted, false);
    assert.deepEqual(done.filesChanged, ['backend/routes/hello.ts']);
    assert.equal(done.text, 'Creating the route.\n\nDone.');
    assert.equal(done.text, tokenText(events));
    assert.ok(done.usage.inputTokens >= 1234, `input tokens ${done.usage.inputTokens}`);
    assert.equal(done.usage.outputTokens > 0, true);
    assert.equal(typeof done.usage.costUsd, 'number');
    const tools = events.filter((e) => e.type === 'tool');
    assert.deepEqual(
      tools.map((e) => e.type === 'tool' && [e.name, e.status, e.summary]),
      [
        ['Write', 'started', 'backend/routes/hello.ts'],
        ['Write', 'done', 'backend/routes/hello.ts'],
      ],
    );
    assert.equal(new Set(tools.map((e) => e.type === 'tool' && e.id)).size, 1, 'started and done share one id');
    // The addendum reached the model, with the workspace path filled in.
    const system = JSON.stringify(fake.requests.at(-1)?.body.system);
    assert.match(system, /You are Fluxy/);
    assert.ok(system.includes(env.workspaceDir));
    for (const ev of events) if (ev.type === 'token') assert.equal(typeof ev.receivedAt, 'number');
  });

  test('the child gets only the allow-listed environment', async () => {
    const events = await collect(agent, makeTurn('SHOW_ENV', { conversationId: 'env' }));
    assert.equal(finalEvent(events).type, 'done');
    const req = fake.requests.find((r) => lastToolResults(r).length > 0 && JSON.stringify(r.body.messages).includes('CLAUDE_CONFIG_DIR'));
    assert.ok(req, 'the env output reached the fake');
    const output = JSON.stringify(lastToolResults(req).map((r) => r.content));
    assert.ok(!output.includes(secret), 'a supervisor variable leaked into the agent');
    assert.ok(output.includes(`CLAUDE_CONFIG_DIR=${env.claudeConfigDir}`));
    assert.ok(!log.lines.some((l) => l.includes(CLAUDE_TEST_KEY)), 'the API key was logged');
  });

  test('a second turn continues the session (warm) and the fake sees the history', async (t) => {
    const first = await collect(agent, makeTurn('remember the number 42', { conversationId: 'warm' }));
    const session = first.find((e) => e.type === 'session');
    assert.ok(session?.type === 'session');
    const t0 = performance.now();
    const next = fake.nextRequest();
    const second = collect(agent, makeTurn('what was the number?', { conversationId: 'warm', sessionId: session.sessionId }));
    const req = await next;
    const warmMs = performance.now() - t0;
    await second;
    const texts = conversationTexts(req);
    assert.ok(texts.some((t) => t.includes('remember the number 42')), JSON.stringify(texts));
    assert.ok(texts.some((t) => t.startsWith('assistant: Hello from the fake.')), JSON.stringify(texts));
    t.diagnostic(`warm turn: first request after ${warmMs.toFixed(0)} ms`);
  });

  test('after a restart (new provider) the session resumes from its transcript', async (t) => {
    const first = await collect(agent, makeTurn('remember the colour teal', { conversationId: 'resume' }));
    const session = first.find((e) => e.type === 'session');
    assert.ok(session?.type === 'session');
    await agent.close();
    const { p: again } = claudeProvider(fake, env);
    try {
      const t0 = performance.now();
      const next = fake.nextRequest();
      const turn = collect(again, makeTurn('which colour?', { conversationId: 'resume', sessionId: session.sessionId }));
      const req = await next;
      const coldMs = performance.now() - t0;
      const events = await turn;
      assert.equal(finalEvent(events).type, 'done');
      const texts = conversationTexts(req);
      assert.ok(texts.some((t) => t.includes('remember the colour teal')), JSON.stringify(texts));
      t.diagnostic(`cold turn (resume, new process): first request after ${coldMs.toFixed(0)} ms`);
    } finally {
      await again.close();
    }
  });

  test('a lost transcript falls back to a new session carrying the history as text', async () => {
    const events = await collect(
      agent,
      makeTurn('and now?', {
        conversationId: 'lost',
        sessionId: '9a3e2c1b-0000-4000-8000-000000000000',
        history: [
          { role: 'user', content: 'my dog is called Rex' },
          { role: 'assistant', content: 'Nice name!' },
        ],
      }),
    );
    assert.equal(finalEvent(events).type, 'done');
    const session = events.find((e) => e.type === 'session');
    assert.ok(session?.type === 'session' && session.sessionId !== '9a3e2c1b-0000-4000-8000-000000000000');
    assert.match(lastUserText(fake.requests.at(-1)!), /my dog is called Rex[\s\S]*and now\?/);
  });

  test('abort mid-stream ends the turn within 1 s, and the next turn works', async (t) => {
    const controller = new AbortController();
    let abortedAt = 0;
    const events = await collect(agent, makeTurn('SLOW please', { conversationId: 'abort', signal: controller.signal }), (ev) => {
      if (ev.type === 'token' && abortedAt === 0) {
        abortedAt = performance.now();
        controller.abort();
      }
    });
    const elapsed = performance.now() - abortedAt;
    const done = finalEvent(events);
    assert.equal(done.type, 'done');
    assert.ok(done.type === 'done' && done.interrupted);
    assert.ok(done.type === 'done' && done.text.startsWith('Partial'), JSON.stringify(done));
    assert.ok(elapsed < 1000, `turn ended ${elapsed.toFixed(0)} ms after abort`);
    t.diagnostic(`abort: turn ended ${elapsed.toFixed(0)} ms after abort`);
    const session = events.find((e) => e.type === 'session');
    const next = await collect(agent, makeTurn('hello again', { conversationId: 'abort', sessionId: session?.type === 'session' ? session.sessionId : undefined }));
    const nextDone = finalEvent(next);
    assert.ok(nextDone.type === 'done' && nextDone.text === 'Hello from the fake.', JSON.stringify(nextDone));
  });

  test('abort while a tool runs (Bash sleep 30) or before the model answers ends within 1 s', async (t) => {
    for (const [prompt, when] of [
      ['LONG_TOOL', (ev: AgentEvent) => ev.type === 'tool' && ev.status === 'started'],
      ['STALL', (ev: AgentEvent) => ev.type === 'session'],
    ] as const) {
      const controller = new AbortController();
      let abortedAt = 0;
      const events = await collect(agent, makeTurn(prompt, { conversationId: `abort-${prompt}`, signal: controller.signal }), (ev) => {
        if (abortedAt === 0 && when(ev)) {
          abortedAt = performance.now();
          controller.abort();
        }
      });
      const elapsed = performance.now() - abortedAt;
      const done = finalEvent(events);
      assert.ok(abortedAt > 0 && done.type === 'done' && done.interrupted, JSON.stringify(events));
      assert.ok(elapsed < 1000, `${prompt}: turn ended ${elapsed.toFixed(0)} ms after abort`);
      t.diagnostic(`abort during ${prompt}: ${elapsed.toFixed(0)} ms`);
      const session = events.find((e) => e.type === 'session');
      const next = finalEvent(await collect(agent, makeTurn('hi', { conversationId: `abort-${prompt}`, sessionId: session?.type === 'session' ? session.sessionId : undefined })));
      // The interrupted prompt and this one reach the model as one user message, so the script may
      // match either; what matters is that the conversation goes on.
      assert.ok(next.type === 'done' && !next.interrupted && next.text !== '', JSON.stringify(next));
    }
  });

  test('an already-aborted turn ends at once without calling the model', async () => {
    const before = fake.requests.length;
    const events = await collect(agent, makeTurn('hi', { conversationId: 'pre-aborted', signal: AbortSignal.abort() }));
    assert.deepEqual(events.map((e) => e.type), ['done']);
    assert.equal(fake.requests.length, before);
  });

  test('an image attachment reaches the model as an image block', async () => {
    const { saveAttachment } = await import('../src/agent/index.ts');
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const saved = await saveAttachment(env.filesDir, { name: 'dot.png', mediaType: 'image/png', data: png.toString('base64') });
    const events = await collect(agent, makeTurn('what is this?', { conversationId: 'image', attachments: [saved] }));
    assert.equal(finalEvent(events).type, 'done');
    const last = fake.requests.at(-1)!.body.messages!.at(-1)!;
    const blocks = last.content as { type: string; source?: { media_type: string; data: string } }[];
    const image = blocks.find((b) => b.type === 'image');
    assert.equal(image?.source?.media_type, 'image/png');
    assert.equal(image?.source?.data, png.toString('base64'));
    assert.ok(blocks.some((b) => b.type === 'text' && (b as { text?: string }).text?.trim() === 'what is this?'), JSON.stringify(blocks.filter((b) => !JSON.stringify(b).includes('system-reminder'))).slice(0, 3000));
  });

  test('no API key: not_configured, without starting anything', async () => {
    const p = createAgentProvider({ provider: 'anthropic', model: 'claude-sonnet-4-5' }, env);
    const events = await collect(p, makeTurn('hi'));
    const final = finalEvent(events);
    assert.equal(final.type === 'error' && final.code, 'not_configured');
  });
});
