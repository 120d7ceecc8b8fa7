import {
  ApiErrorSchema,
  ClientMessageLookupSchema,
  type ConversationChange,
  ConversationSchema,
  ConversationWithMessagesSchema,
  CurrentConversationSchema,
  type MessageChange,
  MessageSchema,
  type NewConversation,
  type NewMessage,
  OkReplySchema,
  PortalStateSchema,
  ProviderSettingsReplySchema,
  PublicSettingsSchema,
  type SettingsSaveBody,
  TokenCheckSchema,
} from '@fluxy/protocol';
import type { z } from 'zod';
import { FluxyError } from '../shared/errors.ts';
import { INTERNAL_HEADER } from '../shared/session-token.ts';

export type { ProviderSettingsReply as StoredProviderSettings } from '@fluxy/protocol';

/** How long the supervisor waits for one worker call. */
export const WORKER_CALL_TIMEOUT_MS = 10_000;

/** A worker reply that does not match its schema: the supervisor answers 502 with this code, never a guess. */
export const WORKER_BAD_REPLY = 'worker_bad_reply';

function badReply(method: string, path: string, why: string): FluxyError {
  return new FluxyError(WORKER_BAD_REPLY, `The worker's reply to ${method} ${path.split('?')[0]} does not match its schema (${why}).`, 502);
}

/**
 * The supervisor's typed view of the worker's API. The supervisor never opens SQLite: everything
 * it stores goes through here, marked with the internal secret. Every reply is checked against
 * its schema in `@fluxy/protocol`; one that does not match throws `worker_bad_reply` (502).
 */
export function createWorkerClient(baseUrl: string, secret: string, fetchImpl: typeof fetch = fetch) {
  async function request<S extends z.ZodType>(method: string, path: string, reply: S, body?: unknown, onBehalfOf?: string): Promise<z.infer<S>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', [INTERNAL_HEADER]: secret };
    if (onBehalfOf) headers.authorization = `Bearer ${onBehalfOf}`;
    const res = await fetchImpl(baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(WORKER_CALL_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      if (res.ok) throw badReply(method, path, 'it is not JSON');
    }
    if (!res.ok) {
      const error = ApiErrorSchema.safeParse(json);
      throw error.success
        ? new FluxyError(error.data.error.code, error.data.error.message, res.status)
        : new FluxyError('worker_error', `worker answered ${res.status}`, res.status);
    }
    const parsed = reply.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badReply(method, path, `${issue?.path.length ? `at ${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }
  const enc = encodeURIComponent;

  return {
    request,
    validateToken: (token: string) => request('POST', '/api/portal/validate-token', TokenCheckSchema, { token }),
    portalState: () => request('GET', '/api/internal/portal', PortalStateSchema),
    reportChildren: (states: object) => request('POST', '/api/internal/children', OkReplySchema, states),
    providerSettings: () => request('GET', '/api/internal/provider-settings', ProviderSettingsReplySchema),
    /** As the signed-in client `token`: a password change keeps that session and ends the others. */
    saveSettings: (values: SettingsSaveBody, token?: string) => request('PUT', '/api/settings', PublicSettingsSchema, values, token),
    async getConversation(id: string) {
      try {
        return await request('GET', `/api/conversations/${enc(id)}`, ConversationWithMessagesSchema);
      } catch (err) {
        if (err instanceof FluxyError && err.status === 404) return undefined;
        throw err;
      }
    },
    createConversation: (input: NewConversation) => request('POST', '/api/conversations', ConversationSchema, input),
    updateConversation: (id: string, change: ConversationChange) => request('PATCH', `/api/conversations/${enc(id)}`, ConversationSchema, change),
    addMessage: (id: string, message: NewMessage) => request('POST', `/api/conversations/${enc(id)}/messages`, MessageSchema, message),
    /** The user message stored with this client id (by an earlier run, perhaps) and its answer; undefined when none. */
    async findClientMessage(clientMessageId: string) {
      try {
        return await request('GET', `/api/messages/by-client-id/${enc(clientMessageId)}`, ClientMessageLookupSchema);
      } catch (err) {
        if (err instanceof FluxyError && err.status === 404) return undefined;
        throw err;
      }
    },
    updateMessage: (id: string, messageId: string, change: MessageChange) =>
      request('PATCH', `/api/conversations/${enc(id)}/messages/${enc(messageId)}`, MessageSchema, change),
    currentConversation: async () => (await request('GET', '/api/context/current', CurrentConversationSchema)).conversationId,
    setCurrentConversation: (conversationId: string | null) => request('POST', '/api/context/set', CurrentConversationSchema, { conversationId }),
  };
}
export type WorkerClient = ReturnType<typeof createWorkerClient>;
