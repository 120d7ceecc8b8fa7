// Ollama's native chat API: POST {baseUrl}/api/chat with stream:true answers NDJSON lines
// ({message:{content}, done}), the last one with done:true and the token counts. No tools.
import { type ChatChunk, ProviderHttpError, runChatTurn } from './chat-stream.ts';
import { CHAT_SYSTEM_PROMPT } from './prompt.ts';
import { loadAttachmentParts } from './turn-content.ts';
import type { AgentEvent, AgentProvider, AgentProviderOptions, AgentTurn, Logger, ProviderSettings } from './types.ts';

export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';
/** One NDJSON line is a few hundred bytes; a line this long means the server is not Ollama. */
const MAX_LINE = 1024 * 1024;

interface OllamaMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  images?: string[];
}

export function createOllamaProvider(settings: ProviderSettings, log: Logger, _opts: AgentProviderOptions = {}): AgentProvider {
  const baseUrl = (settings.baseUrl || DEFAULT_OLLAMA_URL).replace(/\/+$/, '');
  const name = `Ollama at ${baseUrl}`;

  async function* run(turn: AgentTurn): AsyncGenerator<AgentEvent> {
    yield* runChatTurn({
      notConfigured: settings.model ? undefined : 'Ollama',
      providerName: name,
      signal: turn.signal,
      log,
      buildMessages: () => buildMessages(turn),
      open: (messages, signal) => streamChat(`${baseUrl}/api/chat`, { model: settings.model, messages, stream: true }, signal),
    });
  }

  return { run, close: async () => {} };
}

async function* streamChat(url: string, body: unknown, signal: AbortSignal): AsyncGenerator<ChatChunk> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  if (!res.ok || !res.body) {
    const text = await res.text();
    throw new ProviderHttpError(res.status, errorText(text) || `HTTP ${res.status}`);
  }
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const piece of res.body) {
    buffered += decoder.decode(piece, { stream: true });
    if (buffered.length > MAX_LINE && !buffered.includes('\n')) throw new ProviderHttpError(502, 'the server sent a line too long for Ollama NDJSON');
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) yield parseLine(line);
      nl = buffered.indexOf('\n');
    }
  }
  const rest = (buffered + decoder.decode()).trim();
  if (rest) yield parseLine(rest);
}

function parseLine(line: string): ChatChunk {
  let msg: { message?: { content?: unknown }; done?: unknown; error?: unknown; prompt_eval_count?: unknown; eval_count?: unknown };
  try {
    msg = JSON.parse(line);
  } catch (err) {
    throw new ProviderHttpError(502, `the server sent a line that is not JSON (${(err as Error).message})`);
  }
  // Ollama reports a failure that happens after the 200 (model crash, OOM) as an {error} line.
  if (typeof msg.error === 'string') throw new ProviderHttpError(500, msg.error);
  const text = typeof msg.message?.content === 'string' ? msg.message.content : undefined;
  if (msg.done !== true) return { text };
  const usage = { inputTokens: Number(msg.prompt_eval_count) || 0, outputTokens: Number(msg.eval_count) || 0 };
  return { text, finished: true, usage };
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  return body.slice(0, 300);
}

async function buildMessages(turn: AgentTurn): Promise<OllamaMessage[]> {
  const messages: OllamaMessage[] = [{ role: 'system', content: CHAT_SYSTEM_PROMPT }];
  for (const m of turn.history) messages.push({ role: m.role, content: m.content });
  const texts: string[] = [];
  const images: string[] = [];
  for (const p of await loadAttachmentParts(turn.attachments)) {
    if (p.kind === 'image') {
      images.push(p.base64);
      texts.push(p.note);
    } else if (p.kind === 'document') texts.push(`${p.note} (PDF content is not available in this chat mode.)`);
    else texts.push(p.text);
  }
  texts.push(turn.prompt);
  messages.push({ role: 'user', content: texts.filter((t) => t.trim() !== '').join('\n\n'), ...(images.length ? { images } : {}) });
  return messages;
}
