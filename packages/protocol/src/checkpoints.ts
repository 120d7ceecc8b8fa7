import { z } from 'zod';

/**
 * The supervisor's checkpoint API (`GET /api/checkpoints`, newest first). `baseline`: the
 * workspace before the first turn; `edits`: changes made outside a turn (by hand), recorded before
 * the next turn or a restore; `turn`: what an agent turn left; `restore`: the result of a restore.
 */
export const CheckpointKindSchema = z.enum(['baseline', 'edits', 'turn', 'restore']);
export type CheckpointKind = z.infer<typeof CheckpointKindSchema>;

export const CheckpointSchema = z.object({
  id: z.string(),
  kind: CheckpointKindSchema,
  conversationId: z.string().nullable(),
  messageId: z.string().nullable(),
  createdAt: z.string(),
  /** The paths it changed against the checkpoint before it (the baseline: every file). */
  files: z.array(z.string()),
  /** The checkpoint before it: what undoing a turn goes back to. */
  parentId: z.string().nullable(),
  /** For a restore: the checkpoint it went back to. */
  restoredFrom: z.string().optional(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;
export const CheckpointListSchema = z.array(CheckpointSchema);

/** `POST /api/checkpoints/:id/restore`: the checkpoint gone back to, the one recording it, the paths that changed. */
export const RestoreReplySchema = z.object({ ok: z.literal(true), checkpointId: z.string(), restoreId: z.string().nullable(), files: z.array(z.string()) });
