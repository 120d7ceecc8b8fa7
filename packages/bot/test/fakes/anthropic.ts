// A fake Anthropic Messages API: `POST /v1/messages` answered with the real SSE event sequence,
// scripted per request, so the real Claude Agent SDK (its bundled CLI) runs against it unchanged.
import type { ServerResponse } from 'node:http';
import { cutConnection, type RecordedRequest, recordRequest, sendJson, sleep, startHttpServer } from './http.ts';
import { createScriptedFake, type Script, type ScriptedFake } from './scripted.ts';

export type AnthropicStep =
  /** One text block; an array streams one text_delta per element. */
  | { text: string | string[] }
  /** One tool_use block; its input is streamed as input_json_delta pieces. */
  | { toolUse: { name: string; input: Record<string, unknown>; id?: string } }
  | { delayMs: number }
  /** Destroys the socket here: the client sees a stream without message_stop. */
  | { cut: true }
  /** An HTTP error instead of a stream; only meaningful as the first step. */
  | { status: number; errorType?: string; message?: string; headers?: Record<string, string> }
  /** An `event: error` frame mid-stream, as the API sends for overloaded_error. */
  | { sseError: string; message?: string }
  /** Overrides the usage reported in message_start / message_delta. */
  | { usage: { input_tokens: number; output_tokens: number } };

export interface MessagesBody {
  model?: string;
  stream?: boolean;
  system?: unknown;
  messages?: { role: string; content: unknown }[];
  tools?: { name: string }[];
  [key: string]: unknown;
}

export interface AnthropicRequest extends RecordedRequest {
  body: MessagesBody;
}

/** Decides the reply to the n-th `/v1/messages` request (0-based). */
export type AnthropicScript = Script<AnthropicRequest, AnthropicStep>;

/** `requests`, `nextRequest` and `chunks` are about `/v1/messages` (the text_delta pieces). */
export interface FakeAnthropic extends ScriptedFake<AnthropicRequest> {
  /** Every request to any path (the CLI probes a few besides /v1/messages). */
  allRequests: RecordedRequest[];
}

const DEFAULT_REPLY: AnthropicStep[] = [{ text: 'OK' }];

export async function startFakeAnthropic(script: AnthropicScript = () => DEFAULT_REPLY): Promise<FakeAnthropic> {
  const allRequests: RecordedRequest[] = [];
  const { fake, take } = createScriptedFake(script, DEFAULT_REPLY, { allRequests });
  let toolCounter = 0;

  const server = await startHttpServer(async (req, res, raw) => {
    const rec = recordRequest(req, raw);
    allRequests.push(rec);
    const path = rec.path.split('?')[0];
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      sendJson(res, 200, { input_tokens: 10 });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      // The CLI probes other endpoints (models, metrics, settings); answer harmlessly.
      sendJson(res, 200, {});
      return;
    }
    const mreq = { ...rec, body: (rec.body ?? {}) as MessagesBody };
    const { steps, emit } = await take(mreq);
    await reply(res, mreq.body, steps, emit, () => `toolu_fake_${++toolCounter}`);
  });
  fake.url = server.url;
  fake.close = server.close;
  return fake;
}

function estimateTokens(body: MessagesBody): number {
  return Math.max(1, Math.round(JSON.stringify(body.messages ?? []).length / 4));
}

async function reply(
  res: ServerResponse,
  body: MessagesBody,
  steps: AnthropicStep[],
  emitChunk: (text: string) => void,
  newToolId: () => string,
): Promise<void> {
  const first = steps[0];
  if (first && 'status' in first) {
    const errorType = first.errorType ?? defaultErrorType(first.status);
    sendJson(
      res,
      first.status,
      { type: 'error', error: { type: errorType, message: first.message ?? `fake ${first.status}` } },
      { 'request-id': 'req_fake', ...first.headers },
    );
    return;
  }
  let usage = { input_tokens: estimateTokens(body), output_tokens: 0 };
  for (const s of steps) if ('usage' in s) usage = s.usage;
  const hasTool = steps.some((s) => 'toolUse' in s);
  const model = body.model ?? 'claude-fake';
  const id = `msg_fake_${Math.random().toString(36).slice(2, 10)}`;

  if (body.stream !== true) {
    // A connection that keeps dropping drops the CLI's non-streaming retry too (after a cut stream
    // it sometimes asks again without streaming; answering that would turn the cut into a success).
    if (steps.some((s) => 'cut' in s)) {
      res.socket?.destroy();
      return;
    }
    // Non-streaming fallback (the CLI uses it after some stream failures): the whole message at once.
    const content: unknown[] = [];
    for (const s of steps) {
      if ('text' in s) content.push({ type: 'text', text: [s.text].flat().join('') });
      if ('toolUse' in s) content.push({ type: 'tool_use', id: s.toolUse.id ?? newToolId(), name: s.toolUse.name, input: s.toolUse.input });
    }
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: hasTool ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage,
    });
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_fake' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
    },
  });
  let index = 0;
  let outputTokens = 0;
  for (const s of steps) {
    if ('delayMs' in s) {
      await sleep(s.delayMs);
    } else if ('cut' in s) {
      await cutConnection(res);
      return;
    } else if ('sseError' in s) {
      send('error', { type: 'error', error: { type: s.sseError, message: s.message ?? s.sseError } });
      res.end();
      return;
    } else if ('text' in s) {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const piece of [s.text].flat()) {
        emitChunk(piece);
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
        outputTokens += Math.max(1, Math.round(piece.length / 4));
      }
      send('content_block_stop', { type: 'content_block_stop', index });
      index++;
    } else if ('toolUse' in s) {
      const toolId = s.toolUse.id ?? newToolId();
      send('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: toolId, name: s.toolUse.name, input: {} },
      });
      const json = JSON.stringify(s.toolUse.input);
      // Two pieces, as the real API splits tool input JSON at arbitrary points.
      const mid = Math.floor(json.length / 2);
      for (const partial of [json.slice(0, mid), json.slice(mid)]) {
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } });
      }
      send('content_block_stop', { type: 'content_block_stop', index });
      outputTokens += Math.max(1, Math.round(json.length / 4));
      index++;
    }
  }
  const finalOutput = steps.some((s) => 'usage' in s) ? usage.output_tokens : outputTokens;
  send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: hasTool ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: finalOutput },
  });
  send('message_stop', { type: 'message_stop' });
  res.end();
}

function defaultErrorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  return 'api_error';
}

/**
 * The text of the last user message (string content or its text blocks), for scripts. Skips the
 * `<system-reminder>` blocks the CLI prepends, which hold words a script might match by accident.
 */
export function lastUserText(req: AnthropicRequest): string {
  const users = (req.body.messages ?? []).filter((m) => m.role === 'user');
  const last = users[users.length - 1];
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  if (!Array.isArray(last.content)) return '';
  return last.content
    .filter((b): b is { type: 'text'; text: string } => (b as { type?: string }).type === 'text')
    .filter((b) => !b.text.startsWith('<system-reminder>'))
    .map((b) => b.text)
    .join('\n');
}

/** The tool_result blocks of the last user message: present when the CLI reports a tool's outcome. */
export function lastToolResults(req: AnthropicRequest): { tool_use_id: string; is_error?: boolean; content?: unknown }[] {
  const msgs = req.body.messages ?? [];
  const last = msgs[msgs.length - 1];
  if (!last || !Array.isArray(last.content)) return [];
  return last.content.filter((b) => (b as { type?: string }).type === 'tool_result') as {
    tool_use_id: string;
    is_error?: boolean;
    content?: unknown;
  }[];
}
