import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ServerMessage } from '@fluxy/protocol';
import type { AgentEvent, AgentUsage } from '../../agent/index.ts';
import type { Logger } from '../../shared/logger.ts';
import type { BackendWatcher } from '../backend-watcher.ts';
import type { ManagedChild } from '../child.ts';
import type { CheckpointService } from '../checkpoints/service.ts';
import type { WorkerClient } from '../worker-client.ts';
import type { TurnJob } from './conversation-queue.ts';
import { resyncDashboard } from './dashboard-resync.ts';
import type { ProviderPool } from './provider-pool.ts';
import type { SettingsCache } from './settings-cache.ts';

/** Partial answers are saved this often while they stream, so a crash loses at most this much. */
export const PARTIAL_SAVE_MS = 1_000;
/** How long the end of a turn waits for the backend it restarted. */
export const BACKEND_READY_MS = 20_000;
/** How long the end of a turn waits for a worker that crashed to come back and store the answer. */
export const WORKER_BACK_MS = 30_000;

export interface TurnRunnerDeps {
  broadcast(frame: ServerMessage): void;
  worker: Pick<WorkerClient, 'getConversation' | 'addMessage' | 'updateMessage' | 'updateConversation'>;
  settings: Pick<SettingsCache, 'get'>;
  providers: Pick<ProviderPool, 'acquire'>;
  watcher: Pick<BackendWatcher, 'hold' | 'release'>;
  backend: Pick<ManagedChild, 'restart' | 'whenReady'>;
  log: Logger;
  /** While shutting down, a turn that changed the backend does not restart it. */
  isClosing(): boolean;
  /** Benchmarks only: each bot:token carries when the provider handed it to us, to measure our own share. */
  traceTokens?: boolean;
  partialSaveMs?: number;
  /** The stored assistant message this turn's answer becomes (for late joiners' `chat:in-progress`). */
  onAnswerCreated?(conversationId: string, messageId: string): void;
  /** The agent of `job` has stopped working (the turn goes on: storing, checkpoint, restart, check). */
  onAgentDone?(job: TurnJob): void;
  /** Checkpoints before and after the turn, and the check that the app still works after it. */
  checkpoints?: Pick<CheckpointService, 'beforeTurn' | 'recordTurn' | 'check' | 'reportBroken'>;
  /** The workspace: the client files a turn changed get one last hot update from there. */
  workspaceDir?: string;
  /** Resolves true once the worker runs (again), false if it is not back in `timeoutMs`. */
  workerReady?(timeoutMs: number): Promise<boolean>;
}

/** The worker did not answer at all (crashed, restarting): unlike an error it sent, worth waiting out. */
function workerUnreachable(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof DOMException && err.name === 'TimeoutError');
}

type FinalEvent = Extract<AgentEvent, { type: 'done' | 'error' }>;

/**
 * Runs one turn: the provider's events go to every client as they arrive, the answer is stored
 * (first as `interrupted`, so a crash never loses the turn), and a turn that changed the backend
 * restarts it once. Failures of the provider end as a `bot:error`; only a bug in Fluxy throws.
 */
export function createTurnRunner(deps: TurnRunnerDeps) {
  const { broadcast, worker, log } = deps;
  const partialSaveMs = deps.partialSaveMs ?? PARTIAL_SAVE_MS;

  return async function runTurn(job: TurnJob, signal: AbortSignal): Promise<void> {
    const { conversationId } = job;
    const startedAt = performance.now();
    // One line at each end of a turn (never its content): what an owner reading the log needs.
    log.info('turn started', { conversationId });
    broadcast({ type: 'bot:typing', conversationId });
    // Both before the agent can start: fetched together, they cost one round trip of latency.
    // Hand edits since the last checkpoint are recorded before the agent can touch anything, so
    // undoing this turn never throws them away.
    const [settings, conversation] = await Promise.all([deps.settings.get(), worker.getConversation(conversationId), deps.checkpoints?.beforeTurn()]);
    if (!settings.provider || !settings.model) {
      broadcast({
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
    // `replyTo` lets a restarted Fluxy tell this message answered from never answered; a turn run
    // again after a restart writes into the answer the crash left `interrupted`.
    const placeholder = () =>
      job.answerMessageId
        ? worker.updateMessage(conversationId, job.answerMessageId, { content: '', status: 'interrupted' })
        : worker.addMessage(conversationId, { role: 'assistant', content: '', status: 'interrupted', replyTo: job.userMessageId });
    let answerP = placeholder();
    answerP.then((m) => deps.onAnswerCreated?.(conversationId, m.id)).catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

    const { instance, release } = deps.providers.acquire({
      provider: settings.provider,
      model: settings.model,
      apiKey: settings.apiKey,
      baseUrl: settings.baseUrl,
    });
    deps.watcher.hold();
    let text = '';
    let final: FinalEvent | undefined;
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
            broadcast(
              deps.traceTokens
                ? { type: 'bot:token', conversationId, text: ev.text, t: performance.timeOrigin + ev.receivedAt }
                : { type: 'bot:token', conversationId, text: ev.text },
            );
            if (Date.now() - savedAt >= partialSaveMs) {
              savedAt = Date.now();
              const partial = text;
              saving = saving
                .then(async () => worker.updateMessage(conversationId, (await answerP).id, { content: partial }))
                .catch((err) => log.warn('cannot save the partial answer', { error: err }));
            }
            break;
          case 'tool':
            broadcast({ type: 'bot:tool', conversationId, id: ev.id, name: ev.name, status: ev.status, ...(ev.summary ? { summary: ev.summary } : {}) });
            break;
          case 'session':
            // Chained, not awaited: tokens behind it must not wait a round trip.
            saving = saving
              .then(() => worker.updateConversation(conversationId, { sessionId: ev.sessionId }))
              .catch((err) => log.warn('cannot store the agent session id', { error: err }));
            break;
          default:
            final = ev;
        }
      }
    } finally {
      watcherFiles = deps.watcher.release().map((f) => `backend/${f}`);
      release();
      deps.onAgentDone?.(job);
      await saving;
    }

    // The answer was streamed to everyone already; a worker that cannot store it must not swallow the end of the turn.
    let messageId: string = randomUUID();
    // A worker that crashed during the turn is restarted by the supervisor: the answer waits for it.
    const persist = async (change: Parameters<WorkerClient['updateMessage']>[2]) => {
      const deadline = Date.now() + WORKER_BACK_MS;
      /** After a failed worker call: whether to try again (the worker was away and is back in time). */
      const workerBack = async (err: unknown): Promise<boolean> => {
        const left = deadline - Date.now();
        if (!workerUnreachable(err) || !deps.workerReady || left <= 0 || deps.isClosing() || !(await deps.workerReady(left))) {
          log.error('cannot store the answer', { conversationId, error: err });
          broadcast({ type: 'bot:error', conversationId, code: 'not_saved', message: 'The answer could not be saved; it is shown but will be missing after a reload.' });
          return false;
        }
        log.info('the worker was away at the end of the turn; storing the answer again', { conversationId });
        // A failed call may have raced the crash being noticed: do not spin while it is.
        await new Promise((r) => setTimeout(r, 100));
        return true;
      };
      for (;;) {
        try {
          messageId = (await answerP).id;
        } catch (err) {
          if (!(await workerBack(err))) return;
          answerP = placeholder();
          continue;
        }
        try {
          await worker.updateMessage(conversationId, messageId, change);
          return;
        } catch (err) {
          if (!(await workerBack(err))) return;
        }
      }
    };

    if (final?.type === 'error') {
      await persist({ content: final.partialText || text, status: 'error' });
      broadcast({ type: 'bot:error', conversationId, code: final.code, message: final.message });
      log.info('turn failed', { conversationId, code: final.code, ms: Math.round(performance.now() - startedAt) });
    } else {
      const done = final ?? { text, usage: { inputTokens: 0, outputTokens: 0 } as AgentUsage, filesChanged: [], interrupted: true };
      await persist({
        content: done.text,
        status: done.interrupted ? 'interrupted' : 'complete',
        inputTokens: done.usage.inputTokens,
        outputTokens: done.usage.outputTokens,
        costUsd: done.usage.costUsd,
      });
      broadcast({ type: 'bot:response', conversationId, messageId, content: done.text });
      log.info(done.interrupted ? 'turn stopped' : 'turn answered', { conversationId, ms: Math.round(performance.now() - startedAt) });
    }

    // The checkpoint sees what the agent's Bash changed too, outside backend/ as well.
    const recorded = deps.checkpoints ? await deps.checkpoints.recordTurn(conversationId, messageId) : [];
    const changed = [...new Set([...(final?.type === 'done' ? final.filesChanged : []), ...watcherFiles, ...recorded])];
    if (changed.length > 0) {
      let restarted = false;
      if (!deps.isClosing() && changed.some((f) => f.startsWith('backend/'))) {
        log.info('the agent changed the backend; restarting it once');
        await deps.backend.restart();
        restarted = true;
        // The check below waits for it itself, and stops waiting as soon as it crashes.
        if (!deps.checkpoints) await deps.backend.whenReady(BACKEND_READY_MS);
      }
      const broken = deps.checkpoints && !deps.isClosing() ? await deps.checkpoints.check(changed, restarted) : null;
      if (deps.workspaceDir) await resyncDashboard(deps.workspaceDir, changed, log);
      broadcast({ type: 'app:hmr-update', files: changed });
      if (broken) await deps.checkpoints!.reportBroken(broken, conversationId);
    }
  };
}
export type TurnRunner = ReturnType<typeof createTurnRunner>;
