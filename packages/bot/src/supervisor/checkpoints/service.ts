import type { ServerMessage } from '@fluxy/protocol';
import { toStoredMessage } from '@fluxy/protocol';
import { FluxyError } from '../../shared/errors.ts';
import { settledWithin } from '../../shared/settled-within.ts';
import type { Logger } from '../../shared/logger.ts';
import type { BackendWatcher } from '../backend-watcher.ts';
import type { ManagedChild } from '../child.ts';
import type { WorkerClient } from '../worker-client.ts';
import { type BrokenApp, checkBackend, checkDashboard } from './app-check.ts';
import type { Checkpoint, CheckpointStore } from './store.ts';

/** How long a restore waits for the backend it restarted. */
const RESTORE_READY_MS = 20_000;
/**
 * A restore asked for while a turn is finishing (its answer shown; its checkpoint, backend restart
 * and check under way) waits for it rather than refusing: the user sees a finished answer and taps
 * Undo at once. The backend check alone may take 12 s.
 */
const TURN_END_WAIT_MS = 30_000;
/**
 * A turn waits at most this long for the checkpoint of the hand edits before it: a slow or stuck
 * git must not keep the chat from answering (the snapshot goes on in its queue; at worst it also
 * holds the first of the agent's changes).
 */
export const BEFORE_TURN_WAIT_MS = 10_000;

export interface CheckpointServiceDeps {
  store: CheckpointStore;
  backend: ManagedChild;
  vitePort: number;
  backendSecret: string;
  watcher: Pick<BackendWatcher, 'hold' | 'release'>;
  broadcast(frame: ServerMessage): void;
  /** How many turns' agents work now, in every conversation: a restore is refused meanwhile. */
  agentsWorking(): number;
  /** How many turns run now, finishing ones included (their checkpoint, backend restart, check). */
  runningTurns(): number;
  /** Resolves when the running turns have ended, or after `ms`. */
  settleTurns(ms: number): Promise<void>;
  autoRollback(): Promise<boolean>;
  worker: Pick<WorkerClient, 'addMessage'>;
  log: Logger;
}

/**
 * Checkpoints around agent turns, undo and restore, and the check that a turn left the app
 * working. A failing git never stops the chat: checkpoint errors are logged, not thrown into a turn.
 */
export function createCheckpointService(deps: CheckpointServiceDeps) {
  const { store, log } = deps;
  /** Checkpoints whose app was found broken: never offered as "the last good one". */
  const broken = new Set<string>();
  let restoring: Promise<unknown> = Promise.resolve();

  /** The newest checkpoint not known to be broken. */
  const lastGood = async (): Promise<string | undefined> => (await store.list(500)).find((c) => !broken.has(c.id))?.id;

  const restoreNow = async (id: string) => {
    // The watcher would restart the backend once per burst of files written; we restart it once, after.
    deps.watcher.hold();
    let result: Awaited<ReturnType<CheckpointStore['restore']>>;
    try {
      result = await store.restore(id);
    } finally {
      deps.watcher.release();
    }
    if (result.files.some((f) => f.startsWith('backend/')) || deps.backend.state !== 'running') {
      await deps.backend.restart();
      await deps.backend.whenReady(RESTORE_READY_MS);
    }
    log.info(`restored checkpoint ${id.slice(0, 12)} (${result.files.length} file(s) changed)`);
    deps.broadcast({ type: 'app:hmr-update', files: result.files });
    deps.broadcast({ type: 'app:restored', checkpointId: id });
    return { checkpointId: id, restoreId: result.restore?.id ?? null, files: result.files };
  };

  const busy = () => new FluxyError('agent_busy', 'The agent is working; stop it or wait until it has finished, then undo.', 409);
  /** `allowTurn`: the restore comes from the turn that broke the app (auto-rollback), whose agent is done. */
  const restore = async (id: string, allowTurn = false) => {
    if (deps.agentsWorking() > 0) throw busy();
    if (!allowTurn && deps.runningTurns() > 0) {
      await deps.settleTurns(TURN_END_WAIT_MS);
      if (deps.agentsWorking() > 0 || deps.runningTurns() > 0) throw busy();
    }
    if (allowTurn && deps.runningTurns() > 1) throw busy();
    const next = restoring.then(() => restoreNow(id));
    restoring = next.catch(() => undefined);
    return next;
  };

  return {
    /** Before a turn: the baseline (first turn), or the hand edits made since the last checkpoint. */
    async beforeTurn(waitMs = BEFORE_TURN_WAIT_MS): Promise<void> {
      const snapshot = store.snapshot({ kind: 'edits' }).catch((err) => log.error('cannot checkpoint the workspace before a turn', { error: err }));
      if (!(await settledWithin(snapshot, waitMs))) log.warn(`the checkpoint before a turn takes over ${waitMs / 1000} s; the turn goes ahead`);
    },
    /** After a turn: its checkpoint, announced with `app:checkpoint`; returns the paths it changed. */
    async recordTurn(conversationId: string, messageId: string): Promise<string[]> {
      try {
        const made = await store.snapshot({ kind: 'turn', conversationId, messageId });
        if (!made) return [];
        deps.broadcast({
          type: 'app:checkpoint',
          conversationId,
          messageId,
          checkpointId: made.id,
          files: made.files,
          ...(made.parentId ? { previousCheckpointId: made.parentId } : {}),
        });
        return made.files;
      } catch (err) {
        log.error('cannot checkpoint the workspace after a turn', { error: err });
        return [];
      }
    },
    /** Whether the app still works after a turn that changed `changed` (the backend restarted when `backendRestarted`). */
    async check(changed: readonly string[], backendRestarted: boolean): Promise<BrokenApp | null> {
      if (backendRestarted) {
        const b = await checkBackend(deps.backend, deps.backendSecret);
        if (b) return b;
      }
      return checkDashboard(deps.vitePort, changed);
    },
    /** Tells every client; with `autoRollback` on, goes back to the last good checkpoint and says so in the chat. */
    async reportBroken(report: BrokenApp, conversationId: string): Promise<void> {
      let good: string | undefined;
      try {
        const head = await store.head();
        if (head) broken.add(head);
        good = await lastGood();
      } catch (err) {
        log.error('cannot read the checkpoint history', { error: err });
      }
      log.warn(`the ${report.part} is broken after a turn`, { error: report.error });
      deps.broadcast({ type: 'app:broken', part: report.part, error: report.error, ...(good ? { checkpointId: good } : {}) });
      if (!good || !(await deps.autoRollback().catch(() => false))) return;
      let content: string;
      try {
        await restore(good, true);
        content = `The ${report.part} broke after this turn, so Fluxy went back to the last working checkpoint (autoRollback is on). The error was:\n\n${report.error}`;
      } catch (err) {
        log.error('automatic rollback failed', { error: err });
        content = `The ${report.part} broke after this turn and the automatic rollback failed: ${(err as Error).message}`;
      }
      try {
        const note = await deps.worker.addMessage(conversationId, { role: 'assistant', content, status: 'complete' });
        deps.broadcast({ type: 'chat:sync', conversationId, message: toStoredMessage(note) });
      } catch (err) {
        log.error('cannot store the rollback notice', { error: err });
        deps.broadcast({ type: 'bot:error', conversationId, code: 'not_saved', message: content });
      }
    },
    restore: (id: string) => restore(id),
    /** `user:undo`: the named checkpoint, else the state before the newest turn still in effect. */
    async undo(id?: string) {
      const target = id ?? (await store.undoTarget());
      if (!target) throw new FluxyError('nothing_to_undo', 'No agent turn has changed the app yet: there is nothing to undo.', 409);
      return restore(target);
    },
    list: (limit?: number): Promise<Checkpoint[]> => store.list(limit),
    diff: (id: string) => store.diff(id),
    /** At start: the baseline, in the background, so the first turn does not wait for it. */
    ensureBaseline(): void {
      store.ensureBaseline().catch((err) => log.error('cannot make the baseline checkpoint', { error: err }));
    },
  };
}
export type CheckpointService = ReturnType<typeof createCheckpointService>;
