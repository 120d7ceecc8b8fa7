// Files the user attaches: checked against the limits before anything is uploaded, read as base64
// for the `user:message` frame.
import type { Attachment } from '@fluxy/protocol';

export const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** The socket takes frames up to 32 MiB; base64 grows data by a third, so a message carries ~23 MB. */
export const MAX_MESSAGE_BYTES = 23 * 1024 * 1024;
export const MAX_FILES = 20;
export const ACCEPT = 'image/*,application/pdf';
export const LIMIT_TEXT = 'Pictures and PDFs, up to 20 MB each.';

export interface PendingFile {
  id: string;
  file: File;
  previewUrl?: string;
}

export function attachmentType(mediaType: string): Attachment['type'] {
  if (mediaType.startsWith('image/')) return 'image';
  if (mediaType === 'application/pdf') return 'document';
  if (mediaType.startsWith('text/')) return 'text';
  if (mediaType.startsWith('audio/')) return 'audio';
  return 'file';
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Adds files to what is pending; returns what was accepted and a message about what was not. */
export function addFiles(pending: PendingFile[], files: File[]): { pending: PendingFile[]; problem: string } {
  const next = pending.slice();
  const problems: string[] = [];
  let total = pending.reduce((n, p) => n + p.file.size, 0);
  for (const file of files) {
    if (!file.type.startsWith('image/') && file.type !== 'application/pdf') {
      problems.push(`${file.name} is not a picture or a PDF.`);
    } else if (file.size > MAX_FILE_BYTES) {
      problems.push(`${file.name} is ${formatSize(file.size)}; files can be up to 20 MB.`);
    } else if (total + file.size > MAX_MESSAGE_BYTES) {
      problems.push(`${file.name} does not fit: one message carries up to 23 MB of files. Send it in the next message.`);
    } else if (next.length >= MAX_FILES) {
      problems.push(`Up to ${MAX_FILES} files per message.`);
    } else {
      total += file.size;
      next.push({
        id: `${Date.now()}-${Math.random().toString(36).slice(2)}`,
        file,
        previewUrl: file.type.startsWith('image/') ? URL.createObjectURL(file) : undefined,
      });
    }
  }
  return { pending: next, problem: problems.join(' ') };
}

export async function toBase64(blob: Blob): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('cannot read the file'));
    reader.readAsDataURL(blob);
  });
  return url.slice(url.indexOf(',') + 1);
}

export async function toAttachments(pending: PendingFile[]): Promise<Attachment[]> {
  return Promise.all(
    pending.map(async (p) => ({
      type: attachmentType(p.file.type),
      name: p.file.name || 'file',
      mediaType: p.file.type || 'application/octet-stream',
      data: await toBase64(p.file),
    })),
  );
}
