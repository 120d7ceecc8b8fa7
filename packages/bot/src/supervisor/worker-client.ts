import { FluxyError } from '../shared/errors.ts';
import { INTERNAL_HEADER } from '../shared/session-token.ts';
import type { ProviderSettings } from '../agent/index.ts';
import type { Conversation, Message, MessageAttachment, NewMessage } from '../worker/conversations.ts';

export interface StoredProviderSettings extends Partial<ProviderSettings> {
  whisperKey?: string;
  whisperBaseUrl?: string;
}

/**
 * The supervisor's typed view of the worker's API. The supervisor never opens SQLite: everything
 * it stores goes through here, marked with the internal secret.
 */
export function createWorkerClient(baseUrl: string, secret: string) {
  async function request<T>(method: string, path: string, body?: unknown, onBehalfOf?: string): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', [INTERNAL_HEADER]: secret };
    if (onBehalfOf) headers.authorization = `Bearer ${onBehalfOf}`;
    const res = await fetch(baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 204) return undefined as T;
    const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    if (!res.ok) throw new FluxyError(json.error?.code ?? 'worker_error', json.error?.message ?? `worker answered ${res.status}`, res.status);
    return json as T;
  }
  const enc = encodeURIComponent;

  return {
    request,
    validateToken: (token: string) => request<{ valid: boolean; expiresAt?: number }>('POST', '/api/portal/validate-token', { token }),
    reportChildren: (states: object) => request<unknown>('POST', '/api/internal/children', states),
    providerSettings: () => request<StoredProviderSettings>('GET', '/api/internal/provider-settings'),
    /** As the signed-in client `token`: a password change keeps that session and ends the others. */
    saveSettings: (values: Record<string, unknown>, token?: string) => request<unknown>('PUT', '/api/settings', values, token),
    async getConversation(id: string): Promise<(Conversation & { messages: Message[] }) | undefined> {
      try {
        return await request('GET', `/api/conversations/${enc(id)}`);
      } catch (err) {
        if (err instanceof FluxyError && err.status === 404) return undefined;
        throw err;
      }
    },
    createConversation: (input: { title?: string; model?: string }) => request<Conversation>('POST', '/api/conversations', input),
    updateConversation: (id: string, change: { title?: string; sessionId?: string | null }) =>
      request<Conversation>('PATCH', `/api/conversations/${enc(id)}`, change),
    addMessage: (id: string, message: NewMessage & { attachments?: MessageAttachment[] }) =>
      request<Message>('POST', `/api/conversations/${enc(id)}/messages`, message),
    updateMessage: (id: string, messageId: string, change: Partial<Pick<NewMessage, 'content' | 'status' | 'inputTokens' | 'outputTokens' | 'costUsd'>>) =>
      request<Message>('PATCH', `/api/conversations/${enc(id)}/messages/${enc(messageId)}`, change),
    currentConversation: async () => (await request<{ conversationId: string | null }>('GET', '/api/context/current')).conversationId,
    setCurrentConversation: (conversationId: string | null) => request<unknown>('POST', '/api/context/set', { conversationId }),
  };
}
export type WorkerClient = ReturnType<typeof createWorkerClient>;
