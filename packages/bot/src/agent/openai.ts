// OpenAI-compatible chat (OpenAI itself, or any server speaking Chat Completions at baseUrl):
// streamed, with the conversation's history, no tools. Images go as data: URLs.
import OpenAI from 'openai';
import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { type ChatChunk, runChatTurn } from './chat-stream.ts';
import { CHAT_SYSTEM_PROMPT } from './prompt.ts';
import { loadAttachmentParts } from './turn-content.ts';
import type { AgentEvent, AgentProvider, AgentProviderOptions, AgentTurn, Logger, ProviderSettings } from './types.ts';

export function createOpenAIProvider(settings: ProviderSettings, log: Logger, opts: AgentProviderOptions = {}): AgentProvider {
  // A local compatible server (LM Studio, vLLM, llama.cpp) usually needs no key; OpenAI itself does.
  const configured = Boolean(settings.model) && (Boolean(settings.apiKey) || Boolean(settings.baseUrl));
  const client = configured
    ? new OpenAI({
        apiKey: settings.apiKey || 'none',
        baseURL: settings.baseUrl || undefined,
        maxRetries: opts.maxRetries ?? 2,
        timeout: 10 * 60 * 1000,
      })
    : undefined;
  const name = settings.baseUrl ? `The model server at ${settings.baseUrl}` : 'The OpenAI API';

  async function* run(turn: AgentTurn): AsyncGenerator<AgentEvent> {
    yield* runChatTurn({
      notConfigured: client ? undefined : 'OpenAI',
      providerName: name,
      signal: turn.signal,
      log,
      buildMessages: () => buildMessages(turn),
      async *open(messages, signal): AsyncGenerator<ChatChunk> {
        // Only called when configured, so the client exists.
        const stream = await client!.chat.completions.create(
          { model: settings.model, messages, stream: true, stream_options: { include_usage: true } },
          { signal },
        );
        for await (const chunk of stream) {
          const choice = chunk.choices[0];
          const usage = chunk.usage ? { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens } : undefined;
          yield { text: choice?.delta?.content ?? undefined, finished: Boolean(choice?.finish_reason), usage };
        }
      },
    });
  }

  return { run, close: async () => {} };
}

async function buildMessages(turn: AgentTurn): Promise<ChatCompletionMessageParam[]> {
  const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: CHAT_SYSTEM_PROMPT }];
  for (const m of turn.history) messages.push({ role: m.role, content: m.content });
  if (turn.attachments.length === 0) {
    messages.push({ role: 'user', content: turn.prompt });
    return messages;
  }
  const parts: ChatCompletionContentPart[] = [];
  // No workspace path: it means nothing to a model without tools.
  for (const p of await loadAttachmentParts(turn.attachments)) {
    if (p.kind === 'image') parts.push({ type: 'image_url', image_url: { url: `data:${p.mediaType};base64,${p.base64}` } });
    else if (p.kind === 'document') parts.push({ type: 'text', text: `${p.note} (PDF content is not available in this chat mode.)` });
    else parts.push({ type: 'text', text: p.text });
  }
  if (turn.prompt.trim() !== '') parts.push({ type: 'text', text: turn.prompt });
  messages.push({ role: 'user', content: parts });
  return messages;
}
