// A fake OpenAI-compatible server: Chat Completions streamed as `data: {chunk}` SSE lines ending
// in `data: [DONE]`, and `/audio/transcriptions` taking the real multipart upload. Paths are
// matched by suffix, so a base URL with or without /v1 both work.
import type { ServerResponse } from 'node:http';
import { cutConnection, type RecordedRequest, recordRequest, sendJson, sleep, startHttpServer } from './http.ts';
import { createScriptedFake, type Script, type ScriptedFake } from './scripted.ts';

export type OpenAIStep =
  | { text: string | string[] }
  | { delayMs: number }
  | { cut: true }
  | { status: number; message?: string; type?: string }
  | { usage: { prompt_tokens: number; completion_tokens: number } };

export interface ChatRequestBody {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content: unknown }[];
  [key: string]: unknown;
}

export interface ChatRequest extends RecordedRequest {
  body: ChatRequestBody;
}

export interface TranscriptionRequest extends RecordedRequest {
  fields: Record<string, string>;
  file?: { filename: string; contentType: string; bytes: Buffer };
}

export type OpenAIScript = Script<ChatRequest, OpenAIStep>;
export type TranscriptionScript = (req: TranscriptionRequest) => { text: string } | { status: number; message?: string };

export interface FakeOpenAI extends ScriptedFake<ChatRequest> {
  /** Base URL including /v1, as the openai client's baseURL wants it. */
  url: string;
  transcriptions: TranscriptionRequest[];
}

export async function startFakeOpenAI(
  script: OpenAIScript = () => [{ text: 'OK' }],
  transcribe: TranscriptionScript = () => ({ text: 'hello from the recording' }),
): Promise<FakeOpenAI> {
  const transcriptions: TranscriptionRequest[] = [];
  const { fake, take } = createScriptedFake(script, [{ text: 'OK' }], { transcriptions });
  const server = await startHttpServer(async (req, res, raw) => {
    const rec = recordRequest(req, raw);
    const path = rec.path.split('?')[0] ?? '';
    if (req.method === 'POST' && path.endsWith('/audio/transcriptions')) {
      const treq = parseTranscription(rec);
      transcriptions.push(treq);
      const answer = transcribe(treq);
      if ('status' in answer) sendJson(res, answer.status, errorBody(answer.status, answer.message));
      else sendJson(res, 200, { text: answer.text });
      return;
    }
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
      sendJson(res, 404, errorBody(404, `no route ${path}`));
      return;
    }
    const creq = { ...rec, body: (rec.body ?? {}) as ChatRequestBody };
    const { steps, emit } = await take(creq);
    await reply(res, creq.body, steps, emit);
  });
  fake.url = `${server.url}/v1`;
  fake.close = server.close;
  return fake;
}

function errorBody(status: number, message?: string) {
  const type = status === 401 ? 'invalid_request_error' : status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message: message ?? `fake ${status}`, type, param: null, code: status === 401 ? 'invalid_api_key' : null } };
}

async function reply(res: ServerResponse, body: ChatRequestBody, steps: OpenAIStep[], emit: (text: string) => void): Promise<void> {
  const first = steps[0];
  if (first && 'status' in first) {
    sendJson(res, first.status, errorBody(first.status, first.message));
    return;
  }
  let usage = { prompt_tokens: Math.max(1, Math.round(JSON.stringify(body.messages ?? []).length / 4)), completion_tokens: 0 };
  for (const s of steps) if ('usage' in s) usage = s.usage;
  const explicitUsage = steps.some((s) => 'usage' in s);
  const base = { id: `chatcmpl-fake${Math.random().toString(36).slice(2, 8)}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'fake' };
  if (body.stream !== true) {
    const content = steps.flatMap((s) => ('text' in s ? [s.text].flat() : [])).join('');
    sendJson(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  let completion = 0;
  for (const s of steps) {
    if ('delayMs' in s) await sleep(s.delayMs);
    else if ('cut' in s) {
      await cutConnection(res);
      return;
    } else if ('text' in s) {
      for (const piece of [s.text].flat()) {
        emit(piece);
        send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
        completion += 1;
      }
    }
  }
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  if (includeUsage) {
    const u = explicitUsage ? usage : { ...usage, completion_tokens: completion };
    send({ ...base, choices: [], usage: { ...u, total_tokens: u.prompt_tokens + u.completion_tokens } });
  }
  res.write('data: [DONE]\n\n');
  res.end();
}

/** Enough of multipart/form-data for the transcription upload: named fields and one file. */
function parseTranscription(rec: RecordedRequest): TranscriptionRequest {
  const type = String(rec.headers['content-type'] ?? '');
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  const out: TranscriptionRequest = { ...rec, fields: {} };
  if (!boundary) return out;
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = rec.rawBody.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    const next = rec.rawBody.indexOf(delimiter, start);
    if (next < 0) break;
    const part = rec.rawBody.subarray(start + 2, next - 2); // skip the CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/.exec(headers)?.[1] ?? '';
      const filename = /filename="([^"]*)"/.exec(headers)?.[1];
      if (filename !== undefined) {
        const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? '';
        out.file = { filename, contentType, bytes: Buffer.from(content) };
      } else {
        out.fields[name] = content.toString('utf8');
      }
    }
    pos = next;
  }
  return out;
}
