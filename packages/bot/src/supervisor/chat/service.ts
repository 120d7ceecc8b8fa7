import { type ClientMessage, type Message, toStoredMessage } from '@fluxy/protocol';
import { type AgentProviderOptions, createAgentProvider, preloadProvider } from '../../agent/index.ts';
import { FluxyError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { FluxyPaths } from '../../shared/paths.ts';
import type { BackendWatcher } from '../backend-watcher.ts';
import type { ChatClient, ChatHandler, ChatHub } from '../chat-socket.ts';
import { type CheckpointService, createCheckpointService } from '../checkpoints/service.ts';
import type { CheckpointStore } from '../checkpoints/store.ts';
import type { ManagedChild } from '../child.ts';
import type { WorkerClient } from '../worker-client.ts';
import { createClientMessageIds, type StoredAt } from './client-message-ids.ts';
import { createConversationQueue, type TurnJob } from './conversation-queue.ts';
import { handleSettingsSave, handleTranscribe } from './extras.ts';
import { attachmentRecords, saveIncomingAttachments } from './incoming-attachments.ts';
import { createLiveTurns } from './live-turns.ts';
import { createProviderPool } from './provider-pool.ts';
import { createSettingsCache } from './settings-cache.ts';
import { clearContext, stopConversation } from './stop-clear.ts';
import { resumeStoredRepeat } from './stored-repeat.ts';
import { createTurnRunner } from './turn-runner.ts';

export interface ChatServiceDeps {
  hub: ChatHub;
  worker: WorkerClient;
  paths: FluxyPaths;
  backend: ManagedChild;
  /** The worker process: a turn's answer waits for it to come back after a crash. */
  workerChild?: Pick<ManagedChild, 'whenReady'>;
  watcher: BackendWatcher;
  log: Logger;
  providerOptions?: AgentProviderOptions;
  /** Benchmarks only (FLUXY_TRACE_TOKENS=1): bot:token carries when the provider handed it over. */
  traceTokens?: boolean;
  /** The checkpoint history, and what checking the app after a turn needs. */
  checkpoints?: { store: CheckpointStore; vitePort: number; backendSecret: string };
}

type UserMessage = Extract<ClientMessage, { type: 'user:message' }>;

/** At shutdown, running turns get this long to store what they have. */
const CLOSE_GRACE_MS = 2_000;

/**
 * The chat's server side: stores each message through the worker before the agent sees it, runs
 * one turn at a time per conversation (later messages queue), streams every event to every
 * signed-in client, and after a turn that changed files restarts the backend once and tells the
 * dashboards to reload. The parts live beside this file, one concern each.
 */
export function createChatService(
  deps: ChatServiceDeps,
): ChatHandler & { close(graceMs?: number): Promise<void>; invalidateSettings(): void; checkpoints?: CheckpointService } {
  const { hub, worker, paths, log } = deps;
  let closing = false;
  const live = createLiveTurns();
  const clientIds = createClientMessageIds();
  const broadcast: ChatHub['broadcast'] = (frame, except) => {
    live.observe(frame);
    hub.broadcast(frame, except);
  };

  const settings = createSettingsCache(() => worker.providerSettings());
  const providers = createProviderPool((s) =>
    createAgentProvider(
      s,
      { workspaceDir: paths.workspace, claudeConfigDir: paths.claudeConfig, filesDir: `${paths.workspace}/files` },
      log.child('agent'),
      deps.providerOptions,
    ),
  );
  // Turns whose agent still works (a restore is refused meanwhile); the queue, made below, also
  // counts turns that are only finishing (checkpoint, restart, check), which a restore waits for.
  const working = new Set<TurnJob>();
  let queued: { running(): number; settle(ms: number): Promise<void> } = { running: () => 0, settle: async () => undefined };
  const checkpoints =
    deps.checkpoints &&
    createCheckpointService({
      ...deps.checkpoints,
      backend: deps.backend,
      watcher: deps.watcher,
      broadcast,
      agentsWorking: () => working.size,
      runningTurns: () => queued.running(),
      settleTurns: (ms) => queued.settle(ms),
      autoRollback: async () => (await settings.get()).autoRollback === true,
      worker,
      log: log.child('checkpoints'),
    });
  const runTurn = createTurnRunner({
    broadcast,
    worker,
    settings,
    providers,
    watcher: deps.watcher,
    backend: deps.backend,
    log,
    isClosing: () => closing,
    traceTokens: deps.traceTokens,
    onAnswerCreated: live.setMessageId,
    onAgentDone: (job) => working.delete(job),
    checkpoints,
    workspaceDir: paths.workspace,
    workerReady: deps.workerChild && ((ms) => deps.workerChild!.whenReady(ms)),
  });
  const queue = createConversationQueue({
    async run(job, signal) {
      live.start(job.conversationId);
      working.add(job);
      try {
        await runTurn(job, signal);
      } finally {
        working.delete(job);
        live.end(job.conversationId);
      }
    },
    onFailure(job, err) {
      log.error('turn failed', { conversationId: job.conversationId, error: err });
      broadcast({ type: 'bot:error', conversationId: job.conversationId, code: 'internal_error', message: 'The turn failed inside Fluxy; your message is saved.' });
    },
  });
  queued = queue;
  const stopClear = { worker, queue, broadcast };

  const unknownConversation = (client: ChatClient, conversationId: string): undefined => {
    client.send({ type: 'bot:error', conversationId, code: 'unknown_conversation', message: 'That conversation does not exist (it may have been deleted).' });
  };

  /** The conversation a message belongs to: the one named, else the current one, else a new one. */
  async function resolveConversation(requested: string | undefined, title: string): Promise<string> {
    if (requested) return requested; // storing the message checks that it exists
    const current = await worker.currentConversation();
    if (current && (await worker.getConversation(current))) return current;
    const created = await worker.createConversation({ title: title.slice(0, 80) });
    await worker.setCurrentConversation(created.id);
    broadcast({ type: 'chat:conversation-created', conversationId: created.id });
    return created.id;
  }

  /**
   * A message with a client id is stored and answered once, however often it arrives, across
   * restarts too; each copy is acknowledged.
   */
  async function onUserMessage(client: ChatClient, msg: UserMessage): Promise<void> {
    const clientMessageId = msg.clientMessageId;
    if (!clientMessageId) return void (await storeAndQueue(client, msg));
    const claim = await clientIds.claim(clientMessageId);
    if ('repeat' in claim) {
      client.send({ type: 'chat:received', clientMessageId, ...claim.repeat });
      return;
    }
    // Refusals of this very message name it, so the sender stops offering it after a reconnect;
    // `shutting_down` is a "not now", not a refusal.
    const naming: ChatClient = {
      id: client.id,
      token: client.token,
      send: (frame) => client.send(frame.type === 'bot:error' && frame.code !== 'shutting_down' ? { ...frame, clientMessageId } : frame),
    };
    let storedAt: StoredAt | undefined;
    try {
      // New to this run, but perhaps stored by the one before a restart (the database keeps the id).
      if (!closing) storedAt = await resumeStoredRepeat({ worker, queue, workspaceDir: paths.workspace, log }, clientMessageId);
      storedAt ??= await storeAndQueue(naming, msg);
    } finally {
      claim.settle(storedAt);
    }
    if (storedAt) client.send({ type: 'chat:received', clientMessageId, ...storedAt });
  }

  /** Stores the message (undefined when refused: the client was told why) and queues its turn. */
  async function storeAndQueue(client: ChatClient, msg: UserMessage): Promise<StoredAt | undefined> {
    if (closing) {
      client.send({ type: 'bot:error', conversationId: msg.conversationId, code: 'shutting_down', message: 'Fluxy is shutting down; send it again in a moment.' });
      return;
    }
    const content = msg.content.trim();
    const incoming = msg.attachments ?? [];
    if (!content && incoming.length === 0) {
      client.send({ type: 'bot:error', conversationId: msg.conversationId, code: 'bad_message', message: 'The message is empty.' });
      return;
    }
    const conversationId = await resolveConversation(msg.conversationId, content || incoming[0]!.name);
    // Files are written only for a conversation that exists.
    if (incoming.length > 0 && msg.conversationId && !(await worker.getConversation(conversationId))) {
      return unknownConversation(client, conversationId);
    }
    const attachments = await saveIncomingAttachments(paths.workspace, incoming);
    if (!attachments.ok) {
      client.send({ type: 'bot:error', conversationId, code: attachments.code, message: attachments.message });
      return;
    }
    let stored: Message;
    try {
      const records = attachmentRecords(paths.workspace, attachments.saved);
      stored = await worker.addMessage(conversationId, { role: 'user', content, attachments: records, clientMessageId: msg.clientMessageId });
    } catch (err) {
      if (err instanceof FluxyError && err.status === 404) return unknownConversation(client, conversationId);
      throw err;
    }
    broadcast({ type: 'chat:sync', conversationId, message: toStoredMessage(stored) }, client);
    queue.push({ conversationId, prompt: content, attachments: attachments.saved, userMessageId: stored.id });
    return { conversationId, messageId: stored.id };
  }

  /** `user:undo`: the outcome reaches everyone as `app:restored`; a refusal only the one who asked. */
  async function undo(client: ChatClient, checkpointId: string | undefined): Promise<void> {
    if (!checkpoints) {
      client.send({ type: 'bot:error', code: 'not_available', message: 'Checkpoints are off in this Fluxy.' });
      return;
    }
    try {
      await checkpoints.undo(checkpointId);
    } catch (err) {
      const known = err instanceof FluxyError && ['agent_busy', 'checkpoint_not_found', 'nothing_to_undo'].includes(err.code);
      if (!known) log.error('undo failed', { error: err });
      client.send({ type: 'bot:error', code: known ? (err.code as 'agent_busy') : 'restore_failed', message: known ? err.message : 'The restore failed; see the supervisor log.' });
    }
  }

  return {
    checkpoints,
    onConnect(client) {
      // A page reloaded (or a second device opened) in the middle of an answer picks it up here.
      for (const frame of live.snapshot()) client.send(frame);
      // Load the provider's module (the Agent SDK is the heavy one) before the first message needs it.
      settings
        .get()
        .then((s) => s.provider && preloadProvider(s.provider))
        .catch((err) => log.debug('cannot preload the provider', { error: err }));
    },
    async onMessage(client, msg) {
      switch (msg.type) {
        case 'user:message':
          return onUserMessage(client, msg);
        case 'user:stop':
          return stopConversation(stopClear, msg.conversationId);
        case 'user:clear-context':
          return clearContext(stopClear, msg.conversationId);
        case 'whisper:transcribe':
          return handleTranscribe(client, msg, worker);
        case 'settings:save':
          settings.invalidate();
          await handleSettingsSave(client, msg, worker);
          settings.invalidate();
          return;
        case 'chat:subscribe':
          for (const frame of live.snapshot(msg.conversationId)) client.send(frame);
          return;
        case 'user:undo':
          return undo(client, msg.checkpointId);
        case 'ping':
          client.send({ type: 'pong' });
          return;
      }
    },
    invalidateSettings: settings.invalidate,
    /** Refuses new messages, stops every turn, gives them `graceMs` to store what they have, then closes the provider. */
    async close(graceMs = CLOSE_GRACE_MS) {
      closing = true;
      queue.stop(undefined, true);
      await queue.settle(graceMs);
      await providers.close();
    },
  };
}
