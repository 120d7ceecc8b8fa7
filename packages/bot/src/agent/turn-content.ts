// Reading a turn's saved attachments back for the model. Shared by the providers: each one maps
// these parts onto its own message format. Files are opened without following symlinks because
// the agent can rewrite files/ between the upload and this read.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { relative } from 'node:path';
import type { SavedAttachment } from './types.ts';

export type AttachmentPart =
  | { kind: 'image'; mediaType: string; base64: string; note: string }
  | { kind: 'document'; mediaType: string; base64: string; note: string; name: string }
  | { kind: 'text'; text: string };

/** Text files beyond this are only mentioned by path; the agent can read them with its tools. */
const MAX_INLINE_TEXT = 100 * 1024;

/** workspaceDir: given when the model has tools to open the saved file, so the note says where it is. */
export async function loadAttachmentParts(attachments: SavedAttachment[], workspaceDir?: string): Promise<AttachmentPart[]> {
  const parts: AttachmentPart[] = [];
  for (const att of attachments) {
    const where = workspaceDir ? `, saved at ${relative(workspaceDir, att.path) || att.path}` : '';
    const note = `The user attached "${att.name}" (${att.mediaType}${where}).`;
    if (att.kind === 'image') {
      parts.push({ kind: 'image', mediaType: att.mediaType, base64: (await readNoFollow(att.path)).toString('base64'), note });
    } else if (att.kind === 'document') {
      parts.push({ kind: 'document', mediaType: att.mediaType, base64: (await readNoFollow(att.path)).toString('base64'), note, name: att.name });
    } else if (att.kind === 'text' && att.size <= MAX_INLINE_TEXT) {
      const text = (await readNoFollow(att.path)).toString('utf8');
      parts.push({ kind: 'text', text: `${note} Its content:\n\`\`\`\n${text}\n\`\`\`` });
    } else if (att.kind === 'audio') {
      parts.push({ kind: 'text', text: `${note} It is an audio recording; it was not transcribed.` });
    } else {
      parts.push({ kind: 'text', text: note });
    }
  }
  return parts;
}

/** The agent can replace anything in files/: a FIFO would block the read forever, a hard link to a huge file bloat it. */
const MAX_READ_BYTES = 32 * 1024 * 1024;

async function readNoFollow(path: string): Promise<Buffer> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${path} is not a regular file`);
    if (st.size > MAX_READ_BYTES) throw new Error(`${path} is larger than ${MAX_READ_BYTES} bytes`);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/** Earlier messages as plain text, for a provider that lost its own record of them. */
export function historyPreamble(history: { role: 'user' | 'assistant'; content: string }[]): string {
  if (history.length === 0) return '';
  const lines = history.map((m) => `${m.role === 'user' ? 'User' : 'Assistant'}: ${m.content}`);
  return `Earlier in this conversation (for context):\n${lines.join('\n\n')}\n\nThe new message follows.\n\n`;
}
