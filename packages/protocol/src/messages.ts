import { z } from 'zod';

/**
 * The stored conversation and message shapes, the one definition that the worker's API, the
 * chat socket and the chat app share. Browser-safe: no Node imports here.
 */

export const MessageStatusSchema = z.enum(['complete', 'interrupted', 'error']);
export type MessageStatus = z.infer<typeof MessageStatusSchema>;
export const MessageRoleSchema = z.enum(['user', 'assistant']);
export type MessageRole = z.infer<typeof MessageRoleSchema>;

/** A saved file, as the message row keeps it: `path` is relative to the workspace. */
export const MessageAttachmentSchema = z.object({
  name: z.string().max(255),
  mediaType: z.string().max(255),
  path: z.string().max(1024),
});
export type MessageAttachment = z.infer<typeof MessageAttachmentSchema>;

export const ConversationSchema = z.object({
  id: z.string(),
  title: z.string(),
  model: z.string().nullable(),
  /** The agent SDK's session, for `resume`. */
  sessionId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const MessageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  role: MessageRoleSchema,
  content: z.string(),
  status: MessageStatusSchema,
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  costUsd: z.number().nullable(),
  attachments: z.array(MessageAttachmentSchema).nullable(),
  createdAt: z.string(),
  /** A user message: the chat app's id for it (unique), so a copy sent again after a restart is known. */
  clientMessageId: z.string().nullable(),
  /** An answer: the user message it answers, so a restart can tell a message answered from one that never was. */
  replyTo: z.string().nullable(),
});
export type Message = z.infer<typeof MessageSchema>;

/** A message as the chat socket sends it (`chat:sync`): no usage figures. */
export const StoredMessageSchema = MessageSchema.pick({ id: true, conversationId: true, role: true, content: true, createdAt: true }).extend({
  attachments: z.array(MessageAttachmentSchema).optional(),
  status: MessageStatusSchema.optional(),
});
export type StoredMessage = z.infer<typeof StoredMessageSchema>;

export function toStoredMessage(m: Message): StoredMessage {
  return {
    id: m.id,
    conversationId: m.conversationId,
    role: m.role,
    content: m.content,
    createdAt: m.createdAt,
    status: m.status,
    ...(m.attachments ? { attachments: m.attachments } : {}),
  };
}
