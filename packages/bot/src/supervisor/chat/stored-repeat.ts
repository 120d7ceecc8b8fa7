import { join, relative, resolve } from 'node:path';
import type { Message } from '@fluxy/protocol';
import { loadSavedAttachment, type SavedAttachment } from '../../agent/index.ts';
import type { Logger } from '../../shared/logger.ts';
import type { WorkerClient } from '../worker-client.ts';
import type { StoredAt } from './client-message-ids.ts';
import type { TurnJob } from './conversation-queue.ts';

export interface StoredRepeatDeps {
  worker: Pick<WorkerClient, 'findClientMessage'>;
  queue: { push(job: TurnJob): void };
  workspaceDir: string;
  log: Logger;
}

/**
 * A clientMessageId this run of Fluxy has not seen may still have been stored by an earlier run
 * that stopped or crashed before the acknowledgement reached the phone. The database keeps every
 * id (unique), so the repeat is recognised: where the first copy was stored comes back (the
 * caller acknowledges it), and nothing is stored twice. Undefined: never stored, store it now.
 *
 * A first copy that was never answered, because the run died before its turn started (or while
 * it waited behind another turn) or in the middle of it (its answer left `interrupted`), is
 * answered now, once: the turn runs again and writes into the interrupted answer, so the
 * conversation ends with one answer. One that got a complete or failed answer is only acknowledged.
 */
export async function resumeStoredRepeat(deps: StoredRepeatDeps, clientMessageId: string): Promise<StoredAt | undefined> {
  const found = await deps.worker.findClientMessage(clientMessageId);
  if (!found) return undefined;
  const { message, answer } = found;
  const at: StoredAt = { conversationId: message.conversationId, messageId: message.id };
  if (answer && answer.status !== 'interrupted') return at;
  deps.log.info('a message stored before a restart was never answered; answering it now', { conversationId: at.conversationId, messageId: at.messageId });
  deps.queue.push({
    conversationId: message.conversationId,
    prompt: message.content,
    attachments: await reloadAttachments(deps, message),
    userMessageId: message.id,
    ...(answer ? { answerMessageId: answer.id } : {}),
  });
  return at;
}

/** The message's files, read back from `workspace/files/` (a record pointing elsewhere is skipped). */
async function reloadAttachments(deps: StoredRepeatDeps, message: Message): Promise<SavedAttachment[]> {
  const filesDir = join(deps.workspaceDir, 'files');
  const saved: SavedAttachment[] = [];
  for (const record of message.attachments ?? []) {
    const path = resolve(deps.workspaceDir, record.path);
    const inside = relative(filesDir, path);
    const loaded = inside && !inside.startsWith('..') ? await loadSavedAttachment(path, record.name, record.mediaType) : undefined;
    if (loaded) saved.push(loaded);
    else deps.log.warn('an attachment of the message is gone; answering without it', { path: record.path });
  }
  return saved;
}
