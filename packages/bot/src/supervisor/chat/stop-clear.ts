import type { ServerMessage } from '@fluxy/protocol';
import type { WorkerClient } from '../worker-client.ts';
import type { ConversationQueue } from './conversation-queue.ts';

interface StopClearDeps {
  worker: Pick<WorkerClient, 'currentConversation' | 'updateConversation' | 'createConversation' | 'setCurrentConversation'>;
  queue: Pick<ConversationQueue, 'stop'>;
  broadcast(frame: ServerMessage): void;
}

/** `user:stop`: ends the running turn of the conversation named (else the current one) and drops what waits behind it. */
export async function stopConversation(deps: StopClearDeps, conversationId: string | undefined): Promise<void> {
  // With neither, every conversation stops: the user pressed Stop and something is running somewhere.
  deps.queue.stop(conversationId ?? (await deps.worker.currentConversation()) ?? undefined, true);
}

/**
 * `user:clear-context`: stops the conversation, forgets its agent session (the next turn starts a
 * fresh one) and makes a new, empty conversation the current one.
 */
export async function clearContext(deps: StopClearDeps, conversationId: string | undefined): Promise<void> {
  const old = conversationId ?? (await deps.worker.currentConversation()) ?? undefined;
  if (old) {
    deps.queue.stop(old, true);
    await deps.worker.updateConversation(old, { sessionId: null }).catch(() => undefined);
    deps.broadcast({ type: 'chat:cleared', conversationId: old });
  }
  const created = await deps.worker.createConversation({ title: '' });
  await deps.worker.setCurrentConversation(created.id);
  deps.broadcast({ type: 'chat:conversation-created', conversationId: created.id });
}
