import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ClientMessage, StoredMessage } from '@fluxy/protocol';
import {
  type AgentEvent,
  type AgentProvider,
  type AgentProviderOptions,
  type AgentUsage,
  createAgentProvider,
  preloadProvider,
  type ProviderSettings,
  type SavedAttachment,
  saveAttachment,
} from '../agent/index.ts';
import { FluxyError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { FluxyPaths } from '../shared/paths.ts';
import type { Message } from '../worker/conversations.ts';
import type { BackendWatcher } from './backend-watcher.ts';
import type { ChatClient, ChatHandler, ChatHub } from './chat-socket.ts';
import type { ManagedChild } from './child.ts';
import { handleSettingsSave, handleTranscribe } from './chat-extras.ts';
import type { StoredProviderSettings, WorkerClient } from './worker-client.ts';

export interface ChatServiceDeps {
  hub: ChatHub;
  worker: WorkerClient;
  paths: FluxyPaths;
  backend: ManagedChild;
  watcher: BackendWatcher;
  log: Logger;
  providerOptions?: AgentProviderOptions;
}

type UserMessage = Extract<ClientMessage, { type: 'user:message' }>;

interface Job {
  conversationId: string;
  prompt: string;
  attachments: SavedAttachment[];
  userMessageId: string;
}

interface ConversationState {
  running: AbortController | null;
  queue: Job[];
}

/** Benchmarks only: each bot:token carries when the provider handed it to us, to measure our own share. */
const TRACE_TOKENS = process.env.FLUXY_TRACE_TOKENS === '1';

const SETTINGS_TTL_MS = 5_000;

/** Partial answers are saved this often while they stream, so a crash loses at most this much. */
const PARTIAL_SAVE_MS = 1_000;

export function toStoredMessage(m: Message): StoredMessage {
  return {
    id: m.id,
    conversationId: m.conversationId,
    role: m.role,
    content: m.content,
    createdAt: m.createdAt,
    status: m.status,
    ...(m.attachments ? { attachments: m.attachments } : {}),
  };
}

/**
 * The chat's server side: stores each message through the worker before the agent sees it, runs
 * one turn at a time per conversation (later messages queue), streams every event to every
 * signed-in client, and after a turn that changed files restarts the backend once and tells the
 * dashboards to reload.
 */
export function createChatService(
  deps: ChatServiceDeps,
): ChatHandler & { close(graceMs?: number): Promise<void>; invalidateSettings(): void } {
  const { hub, worker, paths, log } = deps;
  const conversations = new Map<string, ConversationState>();
  const turns = new Set<Promise<void>>();
  let closing = false;
  let provider: { key: string; instance: AgentProvider; users: number; retired: boolean } | null = null;

  // Provider settings change rarely and only through the worker; a short cache takes a round trip
  // off every turn. settings:save and the settings routes (seen by the supervisor) drop it at once.
  let settingsCache: { value: Promise<StoredProviderSettings>; until: number } | null = null;
  const providerSettings = () => {
    if (!settingsCache || settingsCache.until < Date.now()) {
      const value = worker.providerSettings();
      settingsCache = { value, until: Date.now() + SETTINGS_TTL_MS };
      value.catch(() => {
        settingsCache = null;
      });
    }
    return settingsCache.value;
  };

  const stateOf = (id: string) => {
    let s = conversations.get(id);
    if (!s) {
      s = { running: null, queue: [] };
      conversations.set(id, s);
    }
    return s;
  };

  const acquireProvider = (settings: ProviderSettings) => {
    const key = JSON.stringify(settings);
    if (provider?.key !== key) {
      const old = provider;
      if (old) {
        old.retired = true;
        if (old.users === 0) void old.instance.close();
      }
      provider = {
        key,
        instance: createAgentProvider(
          settings,
          { workspaceDir: paths.workspace, claudeConfigDir: paths.claudeConfig, filesDir: `${paths.workspace}/files` },
          log.child('agent'),
          deps.providerOptions,
        ),
        users: 0,
        retired: false,
      };
    }
    const p = provider;
    p.users++;
    return {
      instance: p.instance,
      release: () => {
        p.users--;
        if (p.retired && p.users === 0) void p.instance.close();
      },
    };
  };

  const unknownConversation = (client: ChatClient, conversationId: string) =>
    client.send({ type: 'bot:error', conversationId, code: 'unknown_conversation', message: 'That conversation does not exist (it may have been deleted).' });

  /** The conversation a message belongs to: the one named, else the current one, else a new one. */
  async function resolveConversation(requested: string | undefined, title: string): Promise<string> {
    if (requested) return requested; // storing the message checks that it exists
    const current = await worker.currentConversation();
    if (current && (await worker.getConversation(current))) return current;
    const created = await worker.createConversation({ title: title.slice(0, 80) });
    await worker.setCurrentConversation(created.id);
    hub.broadcast({ type: 'chat:conversation-created', conversationId: created.id });
    return created.id;
  }

  async function onUserMessage(client: ChatClient, msg: UserMessage): Promise<void> {
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
    const attachments: SavedAttachment[] = [];
    for (const att of incoming) {
      try {
        attachments.push(await saveAttachment(`${paths.workspace}/files`, att));
      } catch (err) {
        const e = err as Error & { code?: string };
        client.send({ type: 'bot:error', conversationId, code: e.code ?? 'bad_attachment', message: e.message });
        return;
      }
    }
    let stored: Message;
    try {
      stored = await worker.addMessage(conversationId, {
        role: 'user',
        content,
        attachments: attachments.map((a) => ({ name: a.name, mediaType: a.mediaType, path: relative(paths.workspace, a.path) })),
      });
    } catch (err) {
      if (err instanceof FluxyError && err.status === 404) return unknownConversation(client, conversationId);
      throw err;
    }
    hub.broadcast({ type: 'chat:sync', conversationId, message: toStoredMessage(stored) }, client);
    stateOf(conversationId).queue.push({ conversationId, prompt: content, attachments, userMessageId: stored.id });
    pump(conversationId);
  }

  function pump(conversationId: string): void {
    const state = stateOf(conversationId);
    if (state.running) return;
    const job = state.queue.shift();
    if (!job) return;
    const abort = new AbortController();
    state.running = abort;
    const turn = runTurn(job, abort.signal)
      .catch((err) => {
        log.error('turn failed', { conversationId, error: err });
        hub.broadcast({ type: 'bot:error', conversationId, code: 'internal_error', message: 'The turn failed inside Fluxy; your message is saved.' });
      })
      .finally(() => {
        turns.delete(turn);
        state.running = null;
        if (state.queue.length === 0) conversations.delete(conversationId);
        else pump(conversationId);
      });
    turns.add(turn);
  }

  async function runTurn(job: Job, signal: AbortSignal): Promise<void> {
    const { conversationId } = job;
    hub.broadcast({ type: 'bot:typing', conversationId });
    // Both before the agent can start: fetched together, they cost one round trip of latency.
    const [settings, conversation] = await Promise.all([providerSettings(), worker.getConversation(conversationId)]);
    if (!settings.provider || !settings.model) {
      hub.broadcast({
        type: 'bot:error',
        conversationId,
        code: 'not_configured',
        message: 'No model is set up yet: finish the setup wizard or run `fluxy setup --provider … --api-key …`.',
      });
      return;
    }
    // Only what came before this turn's message: messages queued behind it are not history yet.
    const all = conversation?.messages ?? [];
    const own = all.findIndex((m) => m.id === job.userMessageId);
    const history = (own === -1 ? all : all.slice(0, own))
      .filter((m) => m.content && m.status !== 'error')
      .map((m) => ({ role: m.role, content: m.content }));
    // Stored as interrupted as the agent starts (not awaited: it must not delay the first request),
    // completed when the turn ends: a crash mid-turn leaves it interrupted, never lost.
    const answerP = worker.addMessage(conversationId, { role: 'assistant', content: '', status: 'interrupted' });
    answerP.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

    const { instance, release } = acquireProvider({
      provider: settings.provider,
      model: settings.model,
      apiKey: settings.apiKey,
      baseUrl: settings.baseUrl,
    });
    deps.watcher.hold();
    let text = '';
    let final: Extract<AgentEvent, { type: 'done' | 'error' }> | undefined;
    let saving: Promise<unknown> = Promise.resolve();
    let savedAt = Date.now();
    let watcherFiles: string[] = [];
    try {
      for await (const ev of instance.run({
        conversationId,
        prompt: job.prompt,
        attachments: job.attachments,
        history,
        sessionId: conversation?.sessionId ?? undefined,
        signal,
      })) {
        switch (ev.type) {
          case 'token':
            text += ev.text;
            hub.broadcast(
              TRACE_TOKENS
                ? { type: 'bot:token', conversationId, text: ev.text, t: performance.timeOrigin + ev.receivedAt }
                : { type: 'bot:token', conversationId, text: ev.text },
            );
            if (Date.now() - savedAt > PARTIAL_SAVE_MS) {
              savedAt = Date.now();
              const partial = text;
              saving = saving.then(async () => worker.updateMessage(conversationId, (await answerP).id, { content: partial })).catch((err) =>
                log.warn('cannot save the partial answer', { error: err }),
              );
            }
            break;
          case 'tool':
            hub.broadcast({ type: 'bot:tool', conversationId, name: ev.name, status: ev.status });
            break;
          case 'session':
            // Chained, not awaited: tokens behind it must not wait a round trip.
            saving = saving.then(() => worker.updateConversation(conversationId, { sessionId: ev.sessionId })).catch((err) =>
              log.warn('cannot store the agent session id', { error: err }),
            );
            break;
          default:
            final = ev;
        }
      }
    } finally {
      watcherFiles = deps.watcher.release().map((f) => `backend/${f}`);
      release();
      await saving;
    }
    // The answer was streamed to everyone already; a worker that cannot store it must not swallow the end of the turn.
    let messageId: string = randomUUID();
    const persist = async (change: Parameters<WorkerClient['updateMessage']>[2]) => {
      try {
        messageId = (await answerP).id;
        await worker.updateMessage(conversationId, messageId, change);
      } catch (err) {
        log.error('cannot store the answer', { conversationId, error: err });
        hub.broadcast({ type: 'bot:error', conversationId, code: 'not_saved', message: 'The answer could not be saved; it is shown but will be missing after a reload.' });
      }
    };

    if (final?.type === 'error') {
      await persist({ content: final.partialText || text, status: 'error' });
      hub.broadcast({ type: 'bot:error', conversationId, code: final.code, message: final.message });
    } else {
      const done = final ?? { text, usage: { inputTokens: 0, outputTokens: 0 } as AgentUsage, filesChanged: [], interrupted: true };
      await persist({
        content: done.text,
        status: done.interrupted ? 'interrupted' : 'complete',
        inputTokens: done.usage.inputTokens,
        outputTokens: done.usage.outputTokens,
        costUsd: done.usage.costUsd,
      });
      hub.broadcast({ type: 'bot:response', conversationId, messageId, content: done.text });
    }

    const changed = [...new Set([...(final?.type === 'done' ? final.filesChanged : []), ...watcherFiles])];
    if (changed.length > 0) {
      if (!closing && changed.some((f) => f.startsWith('backend/'))) {
        log.info('the agent changed the backend; restarting it once');
        await deps.backend.restart();
        await deps.backend.whenReady(20_000);
      }
      hub.broadcast({ type: 'app:hmr-update', files: changed });
    }
  }

  function stop(conversationId: string | undefined, dropQueue: boolean): string[] {
    const ids = conversationId ? [conversationId] : [...conversations.keys()];
    for (const id of ids) {
      const s = conversations.get(id);
      if (!s) continue;
      if (dropQueue) s.queue.length = 0;
      s.running?.abort();
    }
    return ids;
  }

  return {
    onConnect() {
      // Load the provider's module (the Agent SDK is the heavy one) before the first message needs it.
      providerSettings()
        .then((s) => s.provider && preloadProvider(s.provider))
        .catch((err) => log.debug('cannot preload the provider', { error: err }));
    },
    async onMessage(client, msg) {
      switch (msg.type) {
        case 'user:message':
          return onUserMessage(client, msg);
        case 'user:stop':
          stop(msg.conversationId ?? (await worker.currentConversation()) ?? undefined, true);
          return;
        case 'user:clear-context': {
          const old = msg.conversationId ?? (await worker.currentConversation()) ?? undefined;
          if (old) {
            stop(old, true);
            await worker.updateConversation(old, { sessionId: null }).catch(() => undefined);
            hub.broadcast({ type: 'chat:cleared', conversationId: old });
          }
          const created = await worker.createConversation({ title: '' });
          await worker.setCurrentConversation(created.id);
          hub.broadcast({ type: 'chat:conversation-created', conversationId: created.id });
          return;
        }
        case 'whisper:transcribe':
          return handleTranscribe(client, msg, worker);
        case 'settings:save':
          settingsCache = null;
          await handleSettingsSave(client, msg, worker);
          settingsCache = null;
          return;
        case 'ping':
          client.send({ type: 'pong' });
          return;
      }
    },
    invalidateSettings() {
      settingsCache = null;
    },
    /** Refuses new messages, stops every turn, gives them `graceMs` to store what they have, then closes the provider. */
    async close(graceMs = 2_000) {
      closing = true;
      stop(undefined, true);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...turns]), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      await provider?.instance.close();
    },
  };
}
