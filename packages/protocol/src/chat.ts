import { z } from 'zod';
import { ChatErrorCodeSchema } from './chat-errors.ts';
import { StoredMessageSchema } from './messages.ts';
import { SettingsSaveBodySchema } from './worker-api.ts';

/**
 * The chat WebSocket (`/fluxy/ws`) protocol: one JSON object per frame, tagged by `type`.
 * Browser-safe: no Node imports here.
 */

const conversationId = z.string().min(1).max(128);
/**
 * Chosen by the client for each message it sends, so that a message re-sent after a dropped
 * connection is stored and answered once (the server remembers recent ids: supervisor/chat/client-message-ids.ts).
 */
const clientMessageId = z.string().min(1).max(128);

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
  clientMessageId: clientMessageId.optional(),
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
/** Undo the newest turn that changed files, or go back to the named checkpoint. */
export const UserUndoSchema = z.object({ type: z.literal('user:undo'), checkpointId: z.string().min(1).max(128).optional() });
/**
 * Asks again for the turns running now (`chat:in-progress`, also sent unasked when a socket
 * opens), e.g. after the client refetched history and wants the live part on top of it.
 */
export const ChatSubscribeSchema = z.object({ type: z.literal('chat:subscribe'), conversationId: conversationId.optional() });

export const ClientMessageSchema = z.discriminatedUnion('type', [
  UserMessageSchema,
  UserStopSchema,
  UserClearContextSchema,
  WhisperTranscribeSchema,
  SettingsSaveSchema,
  UserUndoSchema,
  ChatSubscribeSchema,
  PingSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];

export const ToolStatusSchema = z.enum(['started', 'done', 'error']);

/** One tool step of the agent. `id` pairs a `started` with its `done`/`error`; `summary` is for people: the file, the command. */
export const ToolStepSchema = z.object({
  name: z.string(),
  status: ToolStatusSchema,
  id: z.string().optional(),
  summary: z.string().optional(),
});
export type ToolStep = z.infer<typeof ToolStepSchema>;

export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bot:typing'), conversationId: z.string() }),
  z.object({
    type: z.literal('bot:token'),
    conversationId: z.string(),
    text: z.string(),
    /** Only with FLUXY_TRACE_TOKENS=1 (benchmarks): epoch ms at which the provider handed Fluxy the chunk. */
    t: z.number().optional(),
  }),
  ToolStepSchema.extend({ type: z.literal('bot:tool'), conversationId: z.string() }),
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
    /**
     * Set when the server refused that `user:message` for good (empty, unknown conversation, a bad
     * attachment): the sender must not send it again. A refusal without it (the worker away,
     * shutting down) leaves the message to be sent again after reconnecting.
     */
    clientMessageId: z.string().optional(),
  }),
  z.object({ type: z.literal('chat:conversation-created'), conversationId: z.string() }),
  z.object({ type: z.literal('chat:sync'), conversationId: z.string(), message: StoredMessageSchema }),
  z.object({ type: z.literal('chat:cleared'), conversationId: z.string() }),
  z.object({ type: z.literal('app:hmr-update'), files: z.array(z.string()).optional() }),
  z.object({ type: z.literal('whisper:result'), text: z.string() }),
  /** To the sender only: the message with this client id is stored (also when a repeat was ignored). */
  z.object({ type: z.literal('chat:received'), conversationId: z.string(), clientMessageId: z.string(), messageId: z.string() }),
  /**
   * A turn running now, for a client that joined late (sent on connect and on `chat:subscribe`):
   * the answer so far and its tool steps (latest status per step). The live `bot:token` and
   * `bot:tool` frames that follow continue exactly where `text` ends.
   */
  z.object({
    type: z.literal('chat:in-progress'),
    conversationId: z.string(),
    messageId: z.string().optional(),
    text: z.string(),
    tools: z.array(ToolStepSchema),
  }),
  z.object({
    type: z.literal('app:checkpoint'),
    conversationId: z.string(),
    messageId: z.string(),
    checkpointId: z.string(),
    files: z.array(z.string()),
    /** The checkpoint before the turn: what `user:undo` with this id goes back to. */
    previousCheckpointId: z.string().optional(),
  }),
  z.object({
    type: z.literal('app:broken'),
    part: z.enum(['backend', 'dashboard']),
    /** The first lines of the error. */
    error: z.string(),
    /** The last good checkpoint. */
    checkpointId: z.string().optional(),
  }),
  z.object({ type: z.literal('app:restored'), checkpointId: z.string() }),
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
