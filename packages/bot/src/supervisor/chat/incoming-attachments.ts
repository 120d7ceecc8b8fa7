import { relative } from 'node:path';
import { type Attachment, type ChatErrorCode, toChatErrorCode } from '@fluxy/protocol';
import { type SavedAttachment, saveAttachment } from '../../agent/index.ts';

export type SavedOrRefused = { ok: true; saved: SavedAttachment[] } | { ok: false; code: ChatErrorCode; message: string };

/**
 * Writes a message's attachments under `workspace/files/`. The first one refused (bad base64, too
 * large, a planted symlink…) refuses the message with that attachment's code.
 */
export async function saveIncomingAttachments(workspaceDir: string, incoming: Attachment[]): Promise<SavedOrRefused> {
  const saved: SavedAttachment[] = [];
  for (const att of incoming) {
    try {
      saved.push(await saveAttachment(`${workspaceDir}/files`, att));
    } catch (err) {
      const e = err as Error & { code?: string };
      return { ok: false, code: toChatErrorCode(e.code, 'bad_attachment'), message: e.message };
    }
  }
  return { ok: true, saved };
}

/** What the message row keeps of each file: the path relative to the workspace, which the agent sees too. */
export function attachmentRecords(workspaceDir: string, saved: SavedAttachment[]) {
  return saved.map((a) => ({ name: a.name, mediaType: a.mediaType, path: relative(workspaceDir, a.path) }));
}
