// The turn runner on its own: a scripted provider (an AgentProvider that yields a fixed sequence)
// against a real worker on port 0 with a real SQLite file; no supervisor, no children.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import type { ServerMessage } from '@fluxy/protocol';
import type { AgentEvent, AgentProvider, AgentTurn } from '../src/agent/index.ts';
import { createLogger } from '../src/shared/logger.ts';
import { resolvePaths } from '../src/shared/paths.ts';
import { createBackendWatcher } from '../src/supervisor/backend-watcher.ts';
import type { TurnJob } from '../src/supervisor/chat/conversation-queue.ts';
import { createProviderPool } from '../src/supervisor/chat/provider-pool.ts';
import { createSettingsCache } from '../src/supervisor/chat/settings-cache.ts';
import { createTurnRunner } from '../src/supervisor/chat/turn-runner.ts';
import { createWorkerClient, type StoredProviderSettings } from '../src/supervisor/worker-client.ts';
import { createWorkerApp } from '../src/worker/app.ts';
import { openDatabase } from '../src/storage/db.ts';
import { waitFor } from './helpers/instance.ts';

type Script = (turn: AgentTurn) => AsyncGenerator<AgentEvent>;

/** A provider that plays `script` for each turn and records what it was asked. */
function scriptedProvider(script: Script) {
  const turns: AgentTurn[] = [];
  let closed = 0;
  const provider: AgentProvider = {
    run(turn) {
      turns.push(turn);
      return script(turn);
    },
    async close() {
      closed++;
    },
  };
  return { provider, turns, closed: () => closed };
}

const token = (text: string): AgentEvent => ({ type: 'token', text, receivedAt: performance.now() });
const done = (text: string, filesChanged: string[] = []): AgentEvent => ({
  type: 'done',
  text,
  usage: { inputTokens: 12, outputTokens: 34, costUsd: 0.5 },
  filesChanged,
  interrupted: false,
});

describe('turn runner with a scripted provider', () => {
  let home: string;
  let server: Server;
  let worker: ReturnType<typeof createWorkerClient>;
  let closeDb: () => void;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'fluxy-turn-'));
    const db = openDatabase(join(home, 'memory.db'));
    closeDb = () => db.close();
    const secret = randomBytes(16).toString('hex');
    const { app } = createWorkerApp({ db, paths: resolvePaths({ FLUXY_HOME: home }), internalSecret: secret, log: createLogger('worker', { level: 'error' }), version: 'test' });
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    worker = createWorkerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, secret);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    closeDb();
    rmSync(home, { recursive: true, force: true });
  });

  /** A runner around `script`, with everything it broadcast and every backend restart recorded. */
  function setup(
    script: Script,
    options: { settings?: StoredProviderSettings; closing?: boolean; partialSaveMs?: number; worker?: typeof worker; workerReady?: (ms: number) => Promise<boolean> } = {},
  ) {
    const frames: ServerMessage[] = [];
    const restarts: string[] = [];
    const scripted = scriptedProvider(script);
    const run = createTurnRunner({
      broadcast: (f) => frames.push(f),
      worker: options.worker ?? worker,
      workerReady: options.workerReady,
      settings: createSettingsCache(async () => options.settings ?? { provider: 'openai', model: 'scripted' }),
      providers: createProviderPool(() => scripted.provider),
      watcher: createBackendWatcher(home, () => undefined, createLogger('watcher', { level: 'error' })),
      backend: {
        restart: async () => void restarts.push('restart'),
        whenReady: async () => {
          restarts.push('ready');
          return true;
        },
      },
      log: createLogger('chat', { level: 'error' }),
      isClosing: () => options.closing ?? false,
      partialSaveMs: options.partialSaveMs,
    });
    return { run, frames, restarts, scripted };
  }

  async function newJob(prompt: string): Promise<TurnJob> {
    const conversation = await worker.createConversation({ title: prompt });
    const user = await worker.addMessage(conversation.id, { role: 'user', content: prompt });
    return { conversationId: conversation.id, prompt, attachments: [], userMessageId: user.id };
  }

  test('tokens and tools reach the clients in order; the answer and the session id are stored', async () => {
    const { run, frames } = setup(async function* () {
      yield { type: 'session', sessionId: 'sdk-1' };
      yield token('Hel');
      yield { type: 'tool', id: 't1', name: 'Write', status: 'started' };
      yield token('lo');
      yield done('Hello');
    });
    const job = await newJob('hi');
    await run(job, new AbortController().signal);

    assert.deepEqual(
      frames.map((f) => f.type),
      ['bot:typing', 'bot:token', 'bot:tool', 'bot:token', 'bot:response'],
    );
    const stored = await worker.getConversation(job.conversationId);
    const answer = stored!.messages[1]!;
    assert.equal(stored!.sessionId, 'sdk-1');
    assert.deepEqual(
      { role: answer.role, content: answer.content, status: answer.status, inputTokens: answer.inputTokens, outputTokens: answer.outputTokens, costUsd: answer.costUsd },
      { role: 'assistant', content: 'Hello', status: 'complete', inputTokens: 12, outputTokens: 34, costUsd: 0.5 },
    );
    assert.deepEqual(frames.at(-1), { type: 'bot:response', conversationId: job.conversationId, messageId: answer.id, content: 'Hello' });
  });

  test('history is what came before the message, without failed answers; the stored session id is resumed', async () => {
    const { run, scripted } = setup(async function* () {
      yield done('ok');
    });
    const conversation = await worker.createConversation({ title: 'h' });
    await worker.updateConversation(conversation.id, { sessionId: 'sdk-old' });
    await worker.addMessage(conversation.id, { role: 'user', content: 'first' });
    await worker.addMessage(conversation.id, { role: 'assistant', content: 'broken', status: 'error' });
    await worker.addMessage(conversation.id, { role: 'assistant', content: 'answer' });
    const own = await worker.addMessage(conversation.id, { role: 'user', content: 'second' });
    await worker.addMessage(conversation.id, { role: 'user', content: 'queued behind' });

    await run({ conversationId: conversation.id, prompt: 'second', attachments: [], userMessageId: own.id }, new AbortController().signal);
    assert.deepEqual(scripted.turns[0]!.history, [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'answer' },
    ]);
    assert.equal(scripted.turns[0]!.sessionId, 'sdk-old');
  });

  test("a provider error stores the partial text as an error and sends the provider's code", async () => {
    const { run, frames } = setup(async function* () {
      yield token('half an');
      yield { type: 'error', code: 'rate_limited', message: 'Slow down.', partialText: 'half an' };
    });
    const job = await newJob('go');
    await run(job, new AbortController().signal);
    assert.deepEqual(frames.at(-1), { type: 'bot:error', conversationId: job.conversationId, code: 'rate_limited', message: 'Slow down.' });
    const answer = (await worker.getConversation(job.conversationId))!.messages[1]!;
    assert.deepEqual([answer.content, answer.status], ['half an', 'error']);
  });

  test('a stream that ends without a final event (stopped) is stored as interrupted', async () => {
    const abort = new AbortController();
    const { run, frames } = setup(async function* (turn) {
      yield token('so far');
      abort.abort();
      assert.equal(turn.signal.aborted, true);
    });
    const job = await newJob('stop me');
    await run(job, abort.signal);
    const answer = (await worker.getConversation(job.conversationId))!.messages[1]!;
    assert.deepEqual([answer.content, answer.status], ['so far', 'interrupted']);
    assert.equal(frames.at(-1)?.type, 'bot:response');
  });

  test('without a model the turn ends with not_configured and stores no answer', async () => {
    const { run, frames, scripted } = setup(
      async function* () {
        yield done('never');
      },
      { settings: {} },
    );
    const job = await newJob('anyone?');
    await run(job, new AbortController().signal);
    assert.equal(scripted.turns.length, 0);
    const last = frames.at(-1);
    assert.equal(last?.type === 'bot:error' && last.code, 'not_configured');
    assert.equal((await worker.getConversation(job.conversationId))!.messages.length, 1);
  });

  test('the partial answer is saved while it streams', async () => {
    let conversationId = '';
    const { run } = setup(
      async function* () {
        yield token('one ');
        // The turn is still running: the worker already has what streamed so far.
        await waitFor('the partial answer in the worker', async () => {
          const c = await worker.getConversation(conversationId);
          return c?.messages[1]?.content === 'one ';
        }, 5_000);
        yield token('two');
        yield done('one two');
      },
      { partialSaveMs: 0 },
    );
    const job = await newJob('stream');
    conversationId = job.conversationId;
    await run(job, new AbortController().signal);
    assert.equal((await worker.getConversation(conversationId))!.messages[1]!.content, 'one two');
  });

  test('a turn that changed the backend restarts it once, then tells the dashboards', async () => {
    const { run, frames, restarts } = setup(async function* () {
      yield done('edited', ['backend/index.ts', 'client/src/App.tsx', 'backend/index.ts']);
    });
    await run(await newJob('edit'), new AbortController().signal);
    assert.deepEqual(restarts, ['restart', 'ready']);
    assert.deepEqual(frames.at(-1), { type: 'app:hmr-update', files: ['backend/index.ts', 'client/src/App.tsx'] });
  });

  test('while shutting down a changed backend is not restarted', async () => {
    const { run, frames, restarts } = setup(
      async function* () {
        yield done('edited', ['backend/index.ts']);
      },
      { closing: true },
    );
    await run(await newJob('edit late'), new AbortController().signal);
    assert.deepEqual(restarts, []);
    assert.equal(frames.at(-1)?.type, 'app:hmr-update');
  });

  test('an answer the worker cannot store is still delivered, with not_saved', async () => {
    let conversationId = '';
    const { run, frames } = setup(async function* () {
      yield token('lost');
      // The conversation goes away mid-turn (deleted from another tab).
      await worker.request('DELETE', `/api/conversations/${conversationId}`, z.undefined());
      yield done('lost');
    });
    const job = await newJob('delete me');
    conversationId = job.conversationId;
    await run(job, new AbortController().signal);
    const types = frames.map((f) => (f.type === 'bot:error' ? `bot:error:${f.code}` : f.type));
    assert.deepEqual(types.slice(-2), ['bot:error:not_saved', 'bot:response']);
  });

  test('a worker that is away when the turn ends is waited for, and the answer stored once it is back', async () => {
    // The worker "crashes" as the answer is stored: its first update finds nobody listening.
    let away = true;
    const waited: number[] = [];
    const flaky: typeof worker = {
      ...worker,
      updateMessage: (...args) => (away ? Promise.reject(new TypeError('fetch failed')) : worker.updateMessage(...args)),
    };
    const { run, frames } = setup(
      async function* () {
        yield token('still here');
        yield done('still here');
      },
      {
        worker: flaky,
        workerReady: async (ms) => {
          waited.push(ms);
          away = false;
          return true;
        },
      },
    );
    const job = await newJob('survive');
    await run(job, new AbortController().signal);
    assert.ok(!frames.some((f) => f.type === 'bot:error'), JSON.stringify(frames));
    assert.equal(waited.length, 1);
    const stored = (await worker.getConversation(job.conversationId))!.messages.at(-1)!;
    assert.equal(stored.content, 'still here');
    assert.equal(stored.status, 'complete');
  });

  test('a worker that does not come back ends the turn with not_saved', async () => {
    const gone: typeof worker = { ...worker, updateMessage: () => Promise.reject(new TypeError('fetch failed')) };
    const { run, frames } = setup(
      async function* () {
        yield done('lost');
      },
      { worker: gone, workerReady: async () => false },
    );
    await run(await newJob('gone'), new AbortController().signal);
    const types = frames.map((f) => (f.type === 'bot:error' ? `bot:error:${f.code}` : f.type));
    assert.deepEqual(types.slice(-2), ['bot:error:not_saved', 'bot:response']);
  });
});
