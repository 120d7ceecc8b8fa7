// A fake Ollama: POST /api/chat answered with NDJSON lines ({message:{content}, done:false} …
// then {done:true, prompt_eval_count, eval_count}), as `ollama serve` streams them.
import type { ServerResponse } from 'node:http';
import { cutConnection, type RecordedRequest, recordRequest, sendJson, sleep, startHttpServer } from './http.ts';
import { createScriptedFake, type Script, type ScriptedFake } from './scripted.ts';

export type OllamaStep =
  | { text: string | string[] }
  | { delayMs: number }
  | { cut: true }
  | { status: number; message?: string }
  /** An {error} line after the 200, as Ollama reports a model that crashed mid-reply. */
  | { errorLine: string };

export interface OllamaChatBody {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content: string; images?: string[] }[];
  [key: string]: unknown;
}

export interface OllamaRequest extends RecordedRequest {
  body: OllamaChatBody;
}

export type OllamaScript = Script<OllamaRequest, OllamaStep>;
export type FakeOllama = ScriptedFake<OllamaRequest>;

export async function startFakeOllama(script: OllamaScript = () => [{ text: 'OK' }]): Promise<FakeOllama> {
  const { fake, take } = createScriptedFake(script, [{ text: 'OK' }], {});
  const server = await startHttpServer(async (req, res, raw) => {
    const rec = recordRequest(req, raw);
    const path = rec.path.split('?')[0];
    if (req.method === 'GET' && (path === '/' || path === '/api/tags' || path === '/api/version')) {
      sendJson(res, 200, path === '/api/tags' ? { models: [] } : { version: '0.0.0-fake' });
      return;
    }
    if (req.method !== 'POST' || path !== '/api/chat') {
      sendJson(res, 404, { error: `no route ${path}` });
      return;
    }
    const oreq = { ...rec, body: (rec.body ?? {}) as OllamaChatBody };
    const { steps, emit } = await take(oreq);
    await reply(res, oreq.body, steps, emit);
  });
  fake.url = server.url;
  fake.close = server.close;
  return fake;
}

async function reply(res: ServerResponse, body: OllamaChatBody, steps: OllamaStep[], emit: (text: string) => void): Promise<void> {
  const first = steps[0];
  if (first && 'status' in first) {
    sendJson(res, first.status, { error: first.message ?? `fake ${first.status}` });
    return;
  }
  const model = body.model ?? 'fake';
  const line = (content: string, done: boolean, extra: Record<string, unknown> = {}) =>
    res.write(`${JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: 'assistant', content }, done, ...extra })}\n`);
  if (body.stream === false) {
    const content = steps.flatMap((s) => ('text' in s ? [s.text].flat() : [])).join('');
    sendJson(res, 200, { model, created_at: new Date().toISOString(), message: { role: 'assistant', content }, done: true, done_reason: 'stop' });
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  let evalCount = 0;
  for (const s of steps) {
    if ('delayMs' in s) await sleep(s.delayMs);
    else if ('cut' in s) {
      await cutConnection(res);
      return;
    } else if ('errorLine' in s) {
      res.write(`${JSON.stringify({ error: s.errorLine })}\n`);
      res.end();
      return;
    } else if ('text' in s) {
      for (const piece of [s.text].flat()) {
        emit(piece);
        line(piece, false);
        evalCount++;
      }
    }
  }
  const promptEval = Math.max(1, Math.round(JSON.stringify(body.messages ?? []).length / 4));
  line('', true, { done_reason: 'stop', total_duration: 1000, prompt_eval_count: promptEval, eval_count: evalCount });
  res.end();
}
