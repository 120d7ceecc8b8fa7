// autoRollback: true. A turn that breaks the dashboard (a module Vite cannot build) or crashes the
// backend is undone by Fluxy itself, without a click, and the chat says so.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type AgentBot, startAgentBot } from './helpers/agent-bot.ts';
import { ChatClient } from './helpers/chat-client.ts';
import { type Instance, waitFor } from './helpers/instance.ts';

describe('automatic rollback of a breaking turn', () => {
  let agent: AgentBot;
  let bot: Instance;
  let token: string;
  let chat: ChatClient;
  const ws = () => `${bot.home}/workspace`;

  before(async () => {
    agent = await startAgentBot({
      widget: { write: 'client/src/widget.tsx', content: 'export function Widget() {\n  return <div>{oops</div>;\n}\n' },
      crash: { write: 'backend/routes/crash.ts', content: "console.error('Error: the agent made the backend exit');\nprocess.exit(1);\n" },
    });
    ({ bot, token } = agent);
    const saved = await bot.fetch('/api/settings', { token, method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ autoRollback: true }) });
    assert.equal(saved.status, 200);
    assert.equal(((await saved.json()) as { autoRollback?: boolean }).autoRollback, true);
    chat = await ChatClient.connect(bot.port, token);
  });
  after(async () => {
    chat?.close();
    await agent?.close();
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
