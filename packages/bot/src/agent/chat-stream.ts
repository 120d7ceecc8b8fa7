// The shared turn loop of the tool-less chat providers (OpenAI-compatible, Ollama): stream text
// chunks, stop within a moment of user:stop even if the server keeps the socket open, and turn
// every failure into one error event.
import { performance } from 'node:perf_hooks';
import { codeForNetworkError, codeForStatus, describeFailure } from './errors.ts';
import type { AgentErrorCode, AgentEvent, AgentUsage, Logger } from './types.ts';

export interface ChatChunk {
  text?: string;
  usage?: { inputTokens: number; outputTokens: number };
  /** The server said the reply is complete (finish_reason, done:true). */
  finished?: boolean;
}

/** An HTTP failure from a provider, with its status and the body's message. */
export class ProviderHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderHttpError';
  }
}

export interface ChatStreamOptions {
  /** For messages: "OpenAI", "Ollama at http://…". */
  providerName: string;
  signal: AbortSignal;
  log: Logger;
  /** Starts the request; must honour the signal it is given. */
  open(signal: AbortSignal): AsyncIterable<ChatChunk>;
}

export interface ChatTurnOptions<M> extends Omit<ChatStreamOptions, 'open'> {
  /** Set when the provider cannot run (no model, no key): the turn is one not_configured error naming this. */
  notConfigured?: string;
  /** The request's messages: history plus the new prompt, attachments read from disk. */
  buildMessages(): Promise<M>;
  open(messages: M, signal: AbortSignal): AsyncIterable<ChatChunk>;
}

/** One turn of a chat provider: an attachment that cannot be read is one bad_request error; the rest streams. */
export async function* runChatTurn<M>(opts: ChatTurnOptions<M>): AsyncGenerator<AgentEvent> {
  if (opts.notConfigured) {
    yield { type: 'error', code: 'not_configured', message: describeFailure('not_configured', opts.notConfigured), partialText: '' };
    return;
  }
  let messages: M;
  try {
    messages = await opts.buildMessages();
  } catch (err) {
    yield { type: 'error', code: 'bad_request', message: `An attachment could not be read: ${(err as Error).message}`, partialText: '' };
    return;
  }
  yield* runChatStream({ providerName: opts.providerName, signal: opts.signal, log: opts.log, open: (signal) => opts.open(messages, signal) });
}

export async function* runChatStream(opts: ChatStreamOptions): AsyncGenerator<AgentEvent> {
  let text = '';
  let usage: AgentUsage = { inputTokens: 0, outputTokens: 0 };
  const done = (interrupted: boolean): AgentEvent => ({ type: 'done', text, usage, filesChanged: [], interrupted });
  if (opts.signal.aborted) {
    yield done(true);
    return;
  }
  const inner = new AbortController();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'abort'>((resolve) => {
    onAbort = () => {
      inner.abort();
      resolve('abort');
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
  });
  let iterator: AsyncIterator<ChatChunk> | undefined;
  let finished = false;
  try {
    iterator = opts.open(inner.signal)[Symbol.asyncIterator]();
    for (;;) {
      if (opts.signal.aborted) {
        yield done(true);
        return;
      }
      const next = await Promise.race([iterator.next(), aborted]);
      if (next === 'abort') {
        yield done(true);
        return;
      }
      if (next.done) break;
      const chunk = next.value;
      if (chunk.usage) usage = { ...chunk.usage };
      if (chunk.finished) finished = true;
      if (chunk.text) {
        text += chunk.text;
        yield { type: 'token', text: chunk.text, receivedAt: performance.now() };
      }
    }
    if (!finished) {
      // The body ended without the server's closing chunk: the connection was cut.
      yield failure('stream_interrupted', opts.providerName, 'the reply ended without its final chunk', text);
      return;
    }
    yield done(false);
  } catch (err) {
    if (opts.signal.aborted) {
      yield done(true);
      return;
    }
    const { code, detail } = classify(err, text !== '');
    opts.log.warn('chat provider failed', { provider: opts.providerName, code, detail });
    yield failure(code, opts.providerName, detail, text);
  } finally {
    if (onAbort) opts.signal.removeEventListener('abort', onAbort);
    // Stop the body download when we leave early (abort, error); a finished one is already closed.
    inner.abort();
    iterator?.return?.().catch((err: unknown) => opts.log.debug('chat stream close failed', { err: String(err) }));
  }
}

function failure(code: AgentErrorCode, provider: string, detail: string, partialText: string): AgentEvent {
  return { type: 'error', code, message: describeFailure(code, provider, detail), partialText };
}

export function classify(err: unknown, midStream: boolean): { code: AgentErrorCode; detail: string } {
  const status = (err as { status?: unknown }).status;
  const detail = err instanceof Error ? err.message : String(err);
  if (typeof status === 'number' && status >= 400) return { code: codeForStatus(status), detail };
  const net = codeForNetworkError(err);
  if (net === 'provider_unavailable' && !midStream) return { code: net, detail };
  if (net || midStream) return { code: 'stream_interrupted', detail };
  // The openai client reports a refused connection as APIConnectionError("Connection error.").
  if ((err as { name?: string }).name === 'APIConnectionError') return { code: 'provider_unavailable', detail };
  return { code: 'provider_error', detail };
}
