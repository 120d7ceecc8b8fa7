// The tool-less chat providers (OpenAI-compatible and Ollama) against fake servers speaking
// their real wire formats: streaming with history, attachments, failures, abort.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { createAgentProvider, saveAttachment } from '../src/agent/index.ts';
import type { AgentProvider, ProviderSettings } from '../src/agent/types.ts';
import { startFakeOllama } from './fakes/ollama.ts';
import { startFakeOpenAI } from './fakes/openai.ts';
import { collect, finalEvent, makeTempEnv, makeTurn, type TempEnv, tokenText } from './fakes/harness.ts';

type Step = { text: string | string[] } | { delayMs: number } | { cut: true } | { status: number; message?: string };

interface Harness {
  settings: (url: string) => ProviderSettings;
  start: (script: (said: string) => Step[]) => Promise<{ url: string; close(): Promise<void>; lastBody(): { messages?: { role: string; content: unknown; images?: string[] }[] } }>;
}

const harnesses: Record<'openai' | 'ollama', Harness> = {
  openai: {
    settings: (url) => ({ provider: 'openai', model: 'gpt-test', apiKey: 'sk-test-0123456789', baseUrl: url }),
    start: async (script) => {
      const fake = await startFakeOpenAI((req) => script(lastText(req.body.messages)));
      return { url: fake.url, close: fake.close, lastBody: () => fake.requests.at(-1)!.body };
    },
  },
  ollama: {
    settings: (url) => ({ provider: 'ollama', model: 'llama-test', baseUrl: url }),
    start: async (script) => {
      const fake = await startFakeOllama((req) => script(lastText(req.body.messages)));
      return { url: fake.url, close: fake.close, lastBody: () => fake.requests.at(-1)!.body };
    },
  },
};

function lastText(messages: { role: string; content: unknown }[] | undefined): string {
  const last = messages?.at(-1);
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as { type: string; text?: string }[]).map((p) => p.text ?? '').join(' ');
}

function script(said: string): Step[] {
  if (said.includes('AUTH')) return [{ status: 401 }];
  if (said.includes('LIMIT')) return [{ status: 429 }];
  if (said.includes('BOOM')) return [{ status: 500 }];
  if (said.includes('NOMODEL')) return [{ status: 404, message: "model 'llama-test' not found" }];
  if (said.includes('CUT')) return [{ text: ['Half ', 'an answer'] }, { cut: true }];
  if (said.includes('SLOW')) return [{ text: ['Partial ', 'reply'] }, { delayMs: 20_000 }, { text: 'never' }];
  return [{ text: ['Hello', ' there', '!'] }];
}

for (const [name, h] of Object.entries(harnesses)) {
  describe(`${name} provider`, () => {
    let env: TempEnv;
    let fake: Awaited<ReturnType<Harness['start']>>;
    let agent: AgentProvider;
    before(async () => {
      env = makeTempEnv();
      fake = await h.start(script);
      agent = createAgentProvider(h.settings(fake.url), env, undefined, { maxRetries: 0 });
    });
    after(async () => {
      await agent.close();
      await fake.close();
      env.cleanup();
    });

    test('streams tokens and sends the history before the new message', async () => {
      const history = [
        { role: 'user' as const, content: 'my name is Ada' },
        { role: 'assistant' as const, content: 'Hi Ada!' },
      ];
      const events = await collect(agent, makeTurn('what is my name?', { history }));
      const done = finalEvent(events);
      assert.ok(done.type === 'done', JSON.stringify(done));
      assert.equal(done.text, 'Hello there!');
      assert.equal(tokenText(events), 'Hello there!');
      assert.equal(events.filter((e) => e.type === 'token').length, 3);
      assert.equal(done.interrupted, false);
      assert.deepEqual(done.filesChanged, []);
      assert.ok(done.usage.inputTokens > 0 && done.usage.outputTokens > 0, JSON.stringify(done.usage));
      const msgs = fake.lastBody().messages!;
      assert.equal(msgs[0]?.role, 'system');
      assert.deepEqual(
        msgs.slice(1).map((m) => [m.role, m.content]),
        [
          ['user', 'my name is Ada'],
          ['assistant', 'Hi Ada!'],
          ['user', 'what is my name?'],
        ],
      );
    });

    test('an image attachment reaches the model', async () => {
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      const saved = await saveAttachment(env.filesDir, { name: 'pic.png', mediaType: 'image/png', data: png.toString('base64') });
      const events = await collect(agent, makeTurn('describe', { attachments: [saved] }));
      assert.equal(finalEvent(events).type, 'done');
      const last = fake.lastBody().messages!.at(-1)!;
      if (name === 'openai') {
        const parts = last.content as { type: string; image_url?: { url: string }; text?: string }[];
        assert.ok(parts.some((p) => p.type === 'image_url' && p.image_url?.url === `data:image/png;base64,${png.toString('base64')}`));
        assert.equal(parts.at(-1)?.text, 'describe');
      } else {
        assert.deepEqual(last.images, [png.toString('base64')]);
        assert.match(String(last.content), /describe$/);
      }
    });

    const failures: [string, string][] = [
      ['AUTH', 'auth_failed'],
      ['LIMIT', 'rate_limited'],
      ['BOOM', 'provider_error'],
      ['NOMODEL', 'bad_request'],
      ['CUT', 'stream_interrupted'],
    ];
    for (const [word, code] of failures) {
      test(`${word} gives ${code}, and the next turn works`, async () => {
        const final = finalEvent(await collect(agent, makeTurn(`please ${word}`)));
        assert.ok(final.type === 'error', JSON.stringify(final));
        assert.equal(final.code, code, final.message);
        assert.ok(!final.message.includes('sk-test-0123456789'));
        if (word === 'CUT') assert.equal(final.partialText, 'Half an answer');
        if (word === 'NOMODEL') assert.match(final.message, /not found/);
        const next = finalEvent(await collect(agent, makeTurn('hello')));
        assert.ok(next.type === 'done' && next.text === 'Hello there!');
      });
    }

    test('connection refused gives provider_unavailable', async () => {
      const gone = await h.start(script);
      await gone.close();
      const p = createAgentProvider(h.settings(gone.url), env, undefined, { maxRetries: 0 });
      const final = finalEvent(await collect(p, makeTurn('hi')));
      assert.ok(final.type === 'error' && final.code === 'provider_unavailable', JSON.stringify(final));
    });

    test('abort mid-stream ends the turn within 1 s with the text so far', async () => {
      const controller = new AbortController();
      let abortedAt = 0;
      const events = await collect(agent, makeTurn('SLOW', { signal: controller.signal }), (ev) => {
        if (ev.type === 'token' && ev.text === 'reply') {
          abortedAt = performance.now();
          controller.abort();
        }
      });
      const elapsed = performance.now() - abortedAt;
      const done = finalEvent(events);
      assert.ok(done.type === 'done' && done.interrupted, JSON.stringify(done));
      assert.equal(done.text, 'Partial reply');
      assert.ok(elapsed < 1000, `${elapsed} ms`);
    });
  });
}

describe('chat providers without settings', () => {
  test('openai without key or base URL, ollama without model: not_configured', async () => {
    const env = makeTempEnv();
    try {
      for (const settings of [
        { provider: 'openai', model: 'gpt-test' },
        { provider: 'ollama', model: '' },
      ] as ProviderSettings[]) {
        const final = finalEvent(await collect(createAgentProvider(settings, env), makeTurn('hi')));
        assert.ok(final.type === 'error' && final.code === 'not_configured', JSON.stringify(final));
      }
    } finally {
      env.cleanup();
    }
  });

  test('an ollama {error} line mid-reply gives provider_error with the partial text', async () => {
    const env = makeTempEnv();
    const fake = await startFakeOllama(() => [{ text: 'Some ' }, { errorLine: 'model runner crashed' }]);
    try {
      const p = createAgentProvider({ provider: 'ollama', model: 'm', baseUrl: fake.url }, env);
      const final = finalEvent(await collect(p, makeTurn('hi')));
      assert.ok(final.type === 'error' && final.code === 'provider_error', JSON.stringify(final));
      assert.equal(final.partialText, 'Some ');
      assert.match(final.message, /model runner crashed/);
    } finally {
      await fake.close();
      env.cleanup();
    }
  });
});
