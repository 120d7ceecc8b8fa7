// Saving chat attachments under workspace/files. The agent can rewrite anything in the workspace,
// so files/ itself is untrusted ground: names are rebuilt from scratch, nothing is overwritten and
// no symlink is followed, neither files/ itself nor a name planted inside it.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from './errors.ts';
import type { AttachmentKind, SavedAttachment } from './types.ts';

export interface IncomingAttachment {
  /** What the client calls it ('image', 'file', 'audio', …); the bytes decide in the end. */
  type?: string;
  name: string;
  mediaType: string;
  /** Base64, optionally as a data: URL. */
  data: string;
}

export interface AttachmentLimits {
  /** Largest decoded size accepted. Default 20 MB. */
  maxBytes?: number;
  /** Makes the random part of the name; tests use it to aim at a planted symlink. */
  randomId?: () => string;
  /** The date in the name; defaults to today. */
  now?: () => Date;
}

export const DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
const MAX_NAME_CHARS = 80;
/** The stem's UTF-8 budget: with the date-and-random prefix and the extension the name stays under 255 bytes. */
const MAX_NAME_BYTES = 160;

export async function saveAttachment(filesDir: string, att: IncomingAttachment, limits: AttachmentLimits = {}): Promise<SavedAttachment> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  const b64 = stripDataUrl(att.data);
  // Check the size the base64 announces before decoding, so a huge payload is never allocated twice.
  if (Math.floor((b64.length * 3) / 4) - 2 > maxBytes) throw tooLarge(att.name, maxBytes);
  if (!isBase64(b64)) throw new AgentError('invalid_base64', `The attachment "${safeName(att.name, '')}" is not valid base64.`);
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length > maxBytes) throw tooLarge(att.name, maxBytes);

  const { mediaType, kind } = classify(att.mediaType, bytes);
  // An image or PDF is named for what it is, so "photo.exe" holding a PNG is saved as photo.png.
  const name = safeName(att.name, extensionFor(mediaType), kind === 'image' || kind === 'document');
  const dir = await safeDirectory(filesDir);
  const date = (limits.now?.() ?? new Date()).toISOString().slice(0, 10);
  const randomId = limits.randomId ?? (() => randomBytes(4).toString('hex'));

  for (let attempt = 0; attempt < 3; attempt++) {
    const path = join(dir, `${date}-${randomId()}-${name}`);
    try {
      await writeExclusive(path, bytes);
      return { path, name, mediaType, kind, size: bytes.length };
    } catch (err) {
      // EEXIST: something (perhaps a planted symlink) holds the name; O_EXCL refused it. Try another.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AgentError('write_failed', `Could not save the attachment: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  throw new AgentError('write_failed', 'Could not find a free name for the attachment.');
}

/**
 * A file saved earlier (a message stored by a run of Fluxy that died before answering it), read
 * back for the turn that answers it now. The bytes decide its kind again, as when it was saved;
 * a file gone, replaced by a symlink or grown past the limit gives undefined (the turn goes on
 * without it).
 */
export async function loadSavedAttachment(path: string, name: string, declaredType: string, maxBytes = DEFAULT_MAX_ATTACHMENT_BYTES): Promise<SavedAttachment | undefined> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: a FIFO planted under the name must not hang the open; fstat then refuses it.
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (['ENOENT', 'ELOOP'].includes((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > maxBytes) return undefined;
    const bytes = await fh.readFile();
    return { path, name, ...classify(declaredType, bytes), size: bytes.length };
  } finally {
    await fh.close();
  }
}

function tooLarge(name: string, maxBytes: number): AgentError {
  const mb = Math.round((maxBytes / 1024 / 1024) * 10) / 10;
  return new AgentError('too_large', `The attachment "${safeName(name, '')}" is larger than ${mb} MB.`);
}

function stripDataUrl(data: string): string {
  const comma = data.startsWith('data:') ? data.indexOf(',') : -1;
  const body = comma >= 0 ? data.slice(comma + 1) : data;
  return body.replace(/[\r\n\t ]/g, '');
}

function isBase64(s: string): boolean {
  // Buffer.from(…, 'base64') silently skips bad characters, so it cannot be the check.
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

/** The directory to write into: must be a real directory, not a symlink someone swapped in. */
async function safeDirectory(filesDir: string): Promise<string> {
  await mkdir(filesDir, { recursive: true });
  const st = await lstat(filesDir);
  if (st.isSymbolicLink() || !st.isDirectory()) {
    throw new AgentError('unsafe_path', 'The attachments folder is not a plain directory; refusing to write there.');
  }
  return realpath(filesDir);
}

async function writeExclusive(path: string, bytes: Buffer): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const fh = await open(path, flags, 0o644);
  try {
    await fh.writeFile(bytes);
  } catch (err) {
    await fh.close();
    await unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    throw err;
  }
  await fh.close();
}

/** A name that is one plain path segment: no directories, dots in front, control or odd characters. */
export function safeName(original: string, fallbackExt: string, forceExt = false): string {
  const base = original.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // Controls, NUL, and format characters such as bidi overrides (which make "gpj.exe" read as "exe.jpg").
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._-]+/, '')
    .replace(/[._-]+$/, '');
  const dot = cleaned.lastIndexOf('.');
  let stem = dot > 0 ? cleaned.slice(0, dot) : cleaned;
  let ext = dot > 0 ? cleaned.slice(dot + 1).toLowerCase() : '';
  if (!/^[a-z0-9]{1,10}$/.test(ext)) {
    stem = cleaned;
    ext = fallbackExt;
  } else if (forceExt && ext !== fallbackExt && !(ext === 'jpeg' && fallbackExt === 'jpg')) {
    ext = fallbackExt;
  }
  // Whole code points (no split surrogate pairs), and at most MAX_NAME_BYTES in UTF-8: a file name
  // is limited in bytes (255), and 80 CJK characters are already 240 of them.
  const chars = [...stem].slice(0, MAX_NAME_CHARS);
  while (chars.length > 0 && Buffer.byteLength(chars.join('')) > MAX_NAME_BYTES) chars.pop();
  stem = chars.join('').replace(/[._-]+$/, '') || 'file';
  return ext ? `${stem}.${ext}` : stem;
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Trusts the bytes over the declared type where the model API would reject a mismatch. */
function classify(declared: string, bytes: Buffer): { mediaType: string; kind: AttachmentKind } {
  const type = /^[\w.+-]+\/[\w.+-]+$/.test(declared) ? declared.toLowerCase() : 'application/octet-stream';
  const sniffed = sniff(bytes);
  if (sniffed && IMAGE_TYPES.has(sniffed)) return { mediaType: sniffed, kind: 'image' };
  if (sniffed === 'application/pdf') return { mediaType: sniffed, kind: 'document' };
  if (type.startsWith('image/') || type === 'application/pdf') return { mediaType: type, kind: 'file' };
  if (type.startsWith('audio/')) return { mediaType: type, kind: 'audio' };
  if (type.startsWith('text/') || /(json|xml|yaml|csv|javascript|typescript|markdown)/.test(type)) return { mediaType: type, kind: 'text' };
  return { mediaType: type, kind: 'file' };
}

function sniff(b: Buffer): string | undefined {
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 6 && b.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (b.length >= 5 && b.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return undefined;
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/csv': 'csv',
  'application/json': 'json',
  'audio/webm': 'webm',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/wav': 'wav',
};

function extensionFor(mediaType: string): string {
  return EXTENSIONS[mediaType] ?? 'bin';
}
