import { z } from 'zod';

/** Why an agent turn failed; the provider seam's stable codes (`agent/types.ts`). */
export const AgentErrorCodeSchema = z.enum([
  'auth_failed',
  'rate_limited',
  'provider_unavailable',
  'provider_error',
  'stream_interrupted',
  'bad_request',
  'not_configured',
]);
export type AgentErrorCode = z.infer<typeof AgentErrorCodeSchema>;

/** Every code a `bot:error` frame may carry. A client may switch on these; new ones are added here. */
export const ChatErrorCodeSchema = z.enum([
  ...AgentErrorCodeSchema.options,
  // the frame itself
  'bad_message',
  'too_large',
  // the chat service
  'not_available',
  'shutting_down',
  'unknown_conversation',
  'internal_error',
  'not_saved',
  // checkpoints and undo
  'agent_busy',
  'checkpoint_not_found',
  'nothing_to_undo',
  'restore_failed',
  // attachments
  'bad_attachment',
  'invalid_base64',
  'write_failed',
  'unsafe_path',
  // voice notes
  'transcription_failed',
  // the worker, passed on (settings:save) or misbehaving
  'too_many_attempts',
  'current_password_required',
  'unauthorized',
  'forbidden',
  'not_found',
  'body_too_large',
  'bad_json',
  'worker_error',
  'worker_bad_reply',
]);
export type ChatErrorCode = z.infer<typeof ChatErrorCodeSchema>;

/** A code from elsewhere (a local error, the worker) as a chat error code; an unknown one becomes `fallback`. */
export function toChatErrorCode(code: string | undefined, fallback: ChatErrorCode): ChatErrorCode {
  const parsed = ChatErrorCodeSchema.safeParse(code);
  return parsed.success ? parsed.data : fallback;
}
