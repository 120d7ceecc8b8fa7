// An attachment the agent swapped for a FIFO used to block the turn forever on read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAgentProvider } from '../src/agent/index.ts';
import { collect, finalEvent, makeTempEnv, makeTurn } from './fakes/harness.ts';
import { startFakeOpenAI } from './fakes/openai.ts';

test('a FIFO where an attachment was is refused at once, not read forever', async (t) => {
  const env = makeTempEnv();
  const fake = await startFakeOpenAI(() => [{ text: 'never' }]);
  t.after(async () => {
    env.cleanup();
    await fake.close();
  });
  const fifo = join(env.filesDir, 'note.txt');
  execFileSync('mkfifo', [fifo]);
  const provider = createAgentProvider({ provider: 'openai', model: 'm', apiKey: 'k', baseUrl: fake.url }, env, undefined, { maxRetries: 0 });
  const turn = makeTurn('read it', { attachments: [{ path: fifo, name: 'note.txt', mediaType: 'text/plain', kind: 'text', size: 4 }] });
  const final = finalEvent(await collect(provider, turn));
  assert.equal(final.type, 'error');
  assert.equal(final.type === 'error' && final.code, 'bad_request');
  assert.equal(fake.requests.length, 0);
});
