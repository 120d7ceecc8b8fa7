import { z } from 'zod';
import { ChatErrorCodeSchema } from './chat-errors.ts';
import { StoredMessageSchema } from './messages.ts';
import { SettingsSaveBodySchema } from './worker-api.ts';

/**
 * The chat WebSocket (`/fluxy/ws`) protocol: one JSON object per frame, tagged by `type`.
 * Browser-safe: no Node imports here.
 */

const conversationId = z.string().min(1).max(128);

export const AttachmentSchema = z.object({
  type: z.enum(['image', 'document', 'text', 'audio', 'file']),
  name: z.string().min(1).max(255),
  mediaType: z.string().min(1).max(255),
  /** base64 */
  data: z.string(),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

export const UserMessageSchema = z.object({
  type: z.literal('user:message'),
  content: z.string().max(200_000),
  conversationId: conversationId.optional(),
  attachments: z.array(AttachmentSchema).max(20).optional(),
});
export const UserStopSchema = z.object({ type: z.literal('user:stop'), conversationId: conversationId.optional() });
export const UserClearContextSchema = z.object({
  type: z.literal('user:clear-context'),
  conversationId: conversationId.optional(),
});
export const WhisperTranscribeSchema = z.object({
  type: z.literal('whisper:transcribe'),
  audio: z.string().min(1),
  mediaType: z.string().max(255).optional(),
});
/** The wizard's settings over the socket: the body of `PUT /api/settings` with a type. */
export const SettingsSaveSchema = SettingsSaveBodySchema.extend({ type: z.literal('settings:save') });
export const PingSchema = z.object({ type: z.literal('ping') });

export const ClientMessageSchema = z.discriminatedUnion('type', [
  UserMessageSchema,
  UserStopSchema,
  UserClearContextSchema,
  WhisperTranscribeSchema,
  SettingsSaveSchema,
  PingSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];

export const ToolStatusSchema = z.enum(['started', 'done', 'error']);

export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bot:typing'), conversationId: z.string() }),
  z.object({
    type: z.literal('bot:token'),
    conversationId: z.string(),
    text: z.string(),
    /** Only with FLUXY_TRACE_TOKENS=1 (benchmarks): epoch ms at which the provider handed Fluxy the chunk. */
    t: z.number().optional(),
  }),
  z.object({ type: z.literal('bot:tool'), conversationId: z.string(), name: z.string(), status: ToolStatusSchema }),
  z.object({
    type: z.literal('bot:response'),
    conversationId: z.string(),
    messageId: z.string(),
    content: z.string(),
  }),
  z.object({
    type: z.literal('bot:error'),
    conversationId: z.string().optional(),
    code: ChatErrorCodeSchema,
    message: z.string(),
  }),
  z.object({ type: z.literal('chat:conversation-created'), conversationId: z.string() }),
  z.object({ type: z.literal('chat:sync'), conversationId: z.string(), message: StoredMessageSchema }),
  z.object({ type: z.literal('chat:cleared'), conversationId: z.string() }),
  z.object({ type: z.literal('app:hmr-update'), files: z.array(z.string()).optional() }),
  z.object({ type: z.literal('whisper:result'), text: z.string() }),
  z.object({ type: z.literal('pong') }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** Frames larger than this are refused before JSON parsing (attachments travel base64 inside). */
export const MAX_CHAT_FRAME_BYTES = 32 * 1024 * 1024;

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; code: 'bad_message' | 'too_large'; message: string };

/** Parses one client frame. Must not throw: every failure is a result the caller turns into `bot:error`. */
export function parseClientFrame(raw: string | Uint8Array, byteLength: number): ParseResult {
  if (byteLength > MAX_CHAT_FRAME_BYTES) {
    return { ok: false, code: 'too_large', message: `Message is ${byteLength} bytes; the limit is ${MAX_CHAT_FRAME_BYTES}.` };
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
  } catch {
    return { ok: false, code: 'bad_message', message: 'Frame is not valid JSON.' };
  }
  const parsed = ClientMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return { ok: false, code: 'bad_message', message: `Invalid message${where}: ${issue?.message ?? 'unknown error'}` };
  }
  return { ok: true, message: parsed.data };
}
