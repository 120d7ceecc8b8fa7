// autoRollback: true. A turn that breaks the dashboard (a module Vite cannot build) or crashes the
// backend is undone by Fluxy itself, without a click, and the chat says so.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type FakeAnthropic, lastToolResults, lastUserText, startFakeAnthropic } from './fakes/anthropic.ts';
import { ChatClient } from './helpers/chat-client.ts';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';

describe('automatic rollback of a breaking turn', () => {
  let fake: FakeAnthropic;
  let bot: Instance;
  let token: string;
  let chat: ChatClient;
  const ws = () => `${bot.home}/workspace`;

  before(async () => {
    fake = await startFakeAnthropic((req) => {
      if (lastToolResults(req).length > 0) return [{ text: 'Done.' }];
      const text = lastUserText(req);
      const write = (file: string, content: string) => [{ text: 'On it.' }, { toolUse: { name: 'Write', input: { file_path: `${ws()}/${file}`, content } } }];
      if (text.includes('widget')) return write('client/src/widget.tsx', 'export function Widget() {\n  return <div>{oops</div>;\n}\n');
      if (text.includes('crash')) return write('backend/routes/crash.ts', "console.error('Error: the agent made the backend exit');\nprocess.exit(1);\n");
      return [{ text: 'OK' }];
    });
    bot = await startInstance({ env: { FLUXY_AGENT_MAX_RETRIES: '0' } });
    const r = await runCli(['setup', '--provider', 'anthropic', '--api-key', 'sk-ant-test', '--base-url', fake.url], bot.env);
    assert.equal(r.code, 0, r.stderr);
    token = await bot.login();
    const saved = await bot.fetch('/api/settings', { token, method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ autoRollback: true }) });
    assert.equal(saved.status, 200);
    assert.equal(((await saved.json()) as { autoRollback?: boolean }).autoRollback, true);
    chat = await ChatClient.connect(bot.port, token);
  });
  after(async () => {
    chat?.close();
    await bot?.stop();
    await fake?.close();
  });

  test('a dashboard module that does not build is rolled back by itself, and the chat says so', async () => {
    const from = chat.frames.length;
    chat.send({ type: 'user:message', content: 'add a widget' });
    const broken = await chat.waitFor('app:broken', undefined, 60_000, from);
    assert.equal(broken.part, 'dashboard');
    assert.match(broken.error, /widget\.tsx: Transform failed/);
    assert.match(broken.error, /<div>\{oops/, 'the code as written');
    assert.ok(broken.checkpointId, 'names the last good checkpoint');
    const restored = await chat.waitFor('app:restored', undefined, 30_000, from);
    assert.equal(restored.checkpointId, broken.checkpointId);
    const note = await chat.waitFor('chat:sync', (f) => f.message.role === 'assistant', 10_000, from);
    assert.match(note.message.content, /went back to the last working checkpoint/);
    assert.match(note.message.content, /widget\.tsx/);
    assert.ok(!existsSync(`${ws()}/client/src/widget.tsx`));
    // The notice is stored: a reload shows it.
    const conv = await bot.fetch(`/api/conversations/${note.conversationId}`, { token });
    const messages = ((await conv.json()) as { messages: { content: string }[] }).messages;
    assert.ok(messages.some((m) => m.content === note.message.content));
  });

  test('a backend that crashes after the turn is rolled back and answers again', async () => {
    const from = chat.frames.length;
    const sentAt = Date.now();
    chat.send({ type: 'user:message', content: 'make it crash' });
    const broken = await chat.waitFor('app:broken', undefined, 60_000, from);
    assert.ok(Date.now() - sentAt < 15_000, `app:broken after ${Date.now() - sentAt} ms`);
    assert.equal(broken.part, 'backend');
    assert.match(broken.error, /the agent made the backend exit/);
    await chat.waitFor('app:restored', undefined, 30_000, from);
    assert.ok(!existsSync(`${ws()}/backend/routes/crash.ts`));
    await waitFor('the backend back', async () => (await bot.fetch('/app/api/health', { token })).status === 200, 20_000);
    await chat.waitFor('chat:sync', (f) => f.message.role === 'assistant' && /backend broke/.test(f.message.content), 10_000, from);
  });
});
