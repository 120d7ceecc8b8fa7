import express, { Router } from 'express';
import { TranscribeBodySchema } from '@fluxy/protocol';
import { MAX_WHISPER_BYTES, transcribe, whisperSettingsFrom } from '../../agent/whisper.ts';
import type { WorkerContext } from '../context.ts';
import { parseBody, sendError } from '../http.ts';


/** `POST /api/whisper/transcribe {audio (base64), mediaType?}` → `{text}`; the chat socket's whisper:transcribe does the same. */
export function whisperRoutes(ctx: WorkerContext): Router {
  const r = Router();
  // Base64 of Whisper's 25 MB limit, plus the JSON around it.
  r.post('/api/whisper/transcribe', express.json({ limit: Math.ceil((MAX_WHISPER_BYTES * 4) / 3) + 4096 }), async (req, res) => {
    const { audio, mediaType } = parseBody(TranscribeBodySchema, req.body);
    const s = ctx.settings;
    const settings = whisperSettingsFrom({
      whisperKey: s.get('whisperKey'),
      whisperBaseUrl: s.get('whisperBaseUrl'),
      provider: s.get('provider'),
      apiKey: s.get('apiKey'),
    });
    try {
      const text = await transcribe(settings, Buffer.from(audio, 'base64'), mediaType);
      res.json({ text });
    } catch (err) {
      const e = err as Error & { code?: string };
      const status = e.code === 'not_configured' ? 409 : e.code === 'too_large' ? 413 : e.code === 'bad_request' ? 400 : 502;
      sendError(res, status, e.code ?? 'transcription_failed', e.message);
    }
  });
  return r;
}
