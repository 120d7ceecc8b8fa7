// What a checkpoint says about itself, kept in its commit message as trailers, so the history
// alone (no database, nothing in the workspace) is enough to list and restore checkpoints.
import type { Checkpoint, CheckpointKind } from '@fluxy/protocol';

export type { Checkpoint, CheckpointKind } from '@fluxy/protocol';

const KINDS: readonly CheckpointKind[] = ['baseline', 'edits', 'turn', 'restore'];
const TITLES: Record<CheckpointKind, string> = {
  baseline: 'the workspace before the first turn',
  edits: 'changes made outside a turn',
  turn: 'an agent turn',
  restore: 'a restore',
};
/** Ids come from the worker or from our own history; anything else would break the trailer lines. */
const SAFE = /^[\w.:-]{1,128}$/;

export function checkpointMessage(meta: { kind: CheckpointKind; conversationId?: string; messageId?: string; restoredFrom?: string }): string {
  const lines = [`Fluxy checkpoint: ${TITLES[meta.kind]}`, '', `Fluxy-Kind: ${meta.kind}`];
  if (meta.conversationId && SAFE.test(meta.conversationId)) lines.push(`Fluxy-Conversation: ${meta.conversationId}`);
  if (meta.messageId && SAFE.test(meta.messageId)) lines.push(`Fluxy-Message: ${meta.messageId}`);
  if (meta.restoredFrom && SAFE.test(meta.restoredFrom)) lines.push(`Fluxy-Restored-From: ${meta.restoredFrom}`);
  return `${lines.join('\n')}\n`;
}

function trailer(body: string, name: string): string | undefined {
  const m = new RegExp(`^${name}: (.+)$`, 'm').exec(body);
  return m?.[1]?.trim();
}

/**
 * Parses `git log -z --name-only --format=%x1e%H%x1f%P%x1f%cI%x1f%B%x1f`: records start with
 * \x1e, fields end with \x1f, and the changed paths follow, each ended by a NUL.
 */
export function parseLog(out: string): Checkpoint[] {
  const result: Checkpoint[] = [];
  for (const record of out.split('\x1e')) {
    if (!record) continue;
    const [id, parents = '', date, body = '', rest = ''] = record.split('\x1f');
    if (!id) continue;
    const kind = trailer(body, 'Fluxy-Kind') as CheckpointKind | undefined;
    const restoredFrom = trailer(body, 'Fluxy-Restored-From');
    result.push({
      id,
      kind: kind && KINDS.includes(kind) ? kind : 'edits',
      conversationId: trailer(body, 'Fluxy-Conversation') ?? null,
      messageId: trailer(body, 'Fluxy-Message') ?? null,
      createdAt: new Date(date ?? 0).toISOString(),
      files: rest
        .split('\0')
        .map((f) => f.replace(/^\n/, ''))
        .filter(Boolean),
      parentId: parents.split(' ')[0] || null,
      ...(restoredFrom ? { restoredFrom } : {}),
    });
  }
  return result;
}
