import type { SavedAttachment } from '../../agent/index.ts';
import { settledWithin } from '../../shared/settled-within.ts';

/** One user message waiting for (or getting) its answer. */
export interface TurnJob {
  conversationId: string;
  prompt: string;
  attachments: SavedAttachment[];
  /** The stored user message: history is what came before it. */
  userMessageId: string;
  /** An answer left `interrupted` by an earlier run of Fluxy: the turn writes into it instead of adding one. */
  answerMessageId?: string;
}

interface ConversationState {
  running: AbortController | null;
  queue: TurnJob[];
}

/**
 * One turn at a time per conversation; later messages wait their turn. Different conversations
 * run side by side.
 */
export function createConversationQueue(options: {
  run(job: TurnJob, signal: AbortSignal): Promise<void>;
  /** A turn that threw (the runner's own failures are events, so this is a bug in Fluxy). */
  onFailure(job: TurnJob, err: unknown): void;
}) {
  const conversations = new Map<string, ConversationState>();
  const turns = new Set<Promise<void>>();

  const stateOf = (id: string) => {
    let s = conversations.get(id);
    if (!s) {
      s = { running: null, queue: [] };
      conversations.set(id, s);
    }
    return s;
  };

  function pump(conversationId: string): void {
    const state = stateOf(conversationId);
    if (state.running) return;
    const job = state.queue.shift();
    if (!job) return;
    const abort = new AbortController();
    state.running = abort;
    const turn = options
      .run(job, abort.signal)
      .catch((err) => options.onFailure(job, err))
      .finally(() => {
        turns.delete(turn);
        state.running = null;
        if (state.queue.length === 0) conversations.delete(conversationId);
        else pump(conversationId);
      });
    turns.add(turn);
  }

  return {
    push(job: TurnJob): void {
      stateOf(job.conversationId).queue.push(job);
      pump(job.conversationId);
    },
    /** Aborts the running turn of one conversation (all when none is named); `dropQueue` also forgets the waiting ones. */
    stop(conversationId: string | undefined, dropQueue: boolean): void {
      const ids = conversationId ? [conversationId] : [...conversations.keys()];
      for (const id of ids) {
        const s = conversations.get(id);
        if (!s) continue;
        if (dropQueue) s.queue.length = 0;
        s.running?.abort();
      }
    },
    /** How many turns run now, in every conversation. */
    running: (): number => turns.size,
    /** Resolves when every running turn has ended, or after `graceMs`, whichever is first. */
    async settle(graceMs: number): Promise<void> {
      await settledWithin(Promise.allSettled([...turns]), graceMs);
    },
  };
}
export type ConversationQueue = ReturnType<typeof createConversationQueue>;
