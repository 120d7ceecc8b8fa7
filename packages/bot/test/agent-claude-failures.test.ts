// The Claude provider (the real Claude Agent SDK against the fake Anthropic server) when the model's
// API fails: each failure gives its own error code and message (never the key), and the next turn
// works. The working cases are in agent-claude.test.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AgentEvent, AgentProvider } from '../src/agent/types.ts';
import { type FakeAnthropic, startFakeAnthropic } from './fakes/anthropic.ts';
import { CLAUDE_TEST_KEY, claudeProvider, collect, finalEvent, makeTempEnv, makeTurn, type TempEnv } from './fakes/harness.ts';

describe('claude provider failures', () => {
  const cases: [string, Parameters<typeof startFakeAnthropic>[0], string][] = [
    ['401', () => [{ status: 401 }], 'auth_failed'],
    ['429', () => [{ status: 429 }], 'rate_limited'],
    ['500', () => [{ status: 500 }], 'provider_error'],
    ['529 overloaded', () => [{ status: 529 }], 'provider_error'],
    ['cut stream', () => [{ text: ['Half an ', 'answer'] }, { cut: true }], 'stream_interrupted'],
  ];
  let env: TempEnv;
  let failing = true;
  let currentScript: Parameters<typeof startFakeAnthropic>[0] = () => [];
  let fake: FakeAnthropic;
  let agent: AgentProvider;

  before(async () => {
    env = makeTempEnv();
    fake = await startFakeAnthropic((req, i) => {
      if (!failing) return [{ text: 'recovered' }];
      return typeof currentScript === 'function' ? currentScript(req, i) : [];
    });
    ({ p: agent } = claudeProvider(fake, env));
  });
  after(async () => {
    await agent.close();
    await fake.close();
    env.cleanup();
  });

  const messages = new Map<string, string>();
  for (const [name, script, code] of cases) {
    test(`${name} gives ${code}, and the following turn works`, async () => {
      failing = true;
      currentScript = script;
      const events = await collect(agent, makeTurn('hi', { conversationId: `fail-${name}` }));
      const final = finalEvent(events);
      assert.equal(final.type, 'error', JSON.stringify(events));
      if (final.type !== 'error') return;
      assert.equal(final.code, code, final.message);
      assert.ok(final.message.length > 20);
      assert.ok(!final.message.includes(CLAUDE_TEST_KEY));
      messages.set(name, final.message);
      if (name === 'cut stream') assert.match(final.partialText, /Half an answer/);
      failing = false;
      const session = events.find((e) => e.type === 'session');
      const next = await collect(agent, makeTurn('again', { conversationId: `fail-${name}`, sessionId: session?.type === 'session' ? session.sessionId : undefined }));
      const nextFinal = finalEvent(next);
      assert.ok(nextFinal.type === 'done' && nextFinal.text === 'recovered', JSON.stringify(nextFinal));
    });
  }

  test('connection refused gives provider_unavailable', async () => {
    const closed = await startFakeAnthropic();
    const url = closed.url;
    await closed.close();
    const { p } = claudeProvider({ url }, env);
    try {
      const final = finalEvent(await collect(p, makeTurn('hi')));
      assert.equal(final.type === 'error' && final.code, 'provider_unavailable', JSON.stringify(final));
      messages.set('refused', final.type === 'error' ? final.message : '');
    } finally {
      await p.close();
    }
    // Each failure reads differently.
    assert.equal(new Set(messages.values()).size, messages.size, JSON.stringify([...messages]));
  });

  test('one-shot mode (no warm sessions) works too', async () => {
    failing = false;
    const { p } = claudeProvider(fake, env, { warmSessions: false });
    try {
      const events: AgentEvent[] = await collect(p, makeTurn('hi', { conversationId: 'oneshot' }));
      const final = finalEvent(events);
      assert.ok(final.type === 'done' && final.text === 'recovered');
    } finally {
      await p.close();
    }
    assert.ok(!existsSync(join(env.workspaceDir, 'backend/routes/hello.ts')));
  });
});
