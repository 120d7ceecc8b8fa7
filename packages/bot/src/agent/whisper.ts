// Voice messages to text with OpenAI's transcription endpoint (whisper-1). Errors carry the same
// codes as a chat turn's, so the supervisor can answer whisper:transcribe with a bot:error alike.
import { classify } from './chat-stream.ts';
import { AgentError, describeFailure } from './errors.ts';

export interface WhisperSettings {
  apiKey?: string;
  /** Default https://api.openai.com/v1 */
  baseUrl?: string;
}

/**
 * The Whisper key is its own setting; an OpenAI chat key serves as well. One rule for the chat
 * socket's whisper:transcribe and the worker's POST /api/whisper/transcribe.
 */
export function whisperSettingsFrom(stored: { whisperKey?: string; whisperBaseUrl?: string; provider?: string; apiKey?: string }): WhisperSettings {
  return { apiKey: stored.whisperKey ?? (stored.provider === 'openai' ? stored.apiKey : undefined), baseUrl: stored.whisperBaseUrl };
}

/** Whisper accepts up to 25 MB per file. */
export const MAX_WHISPER_BYTES = 25 * 1024 * 1024;

// The endpoint tells formats apart by the file name's extension, not by the part's content type.
const EXTENSIONS: Record<string, string> = {
  'audio/webm': 'webm',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mp4': 'm4a',
  'audio/m4a': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/aac': 'm4a',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/flac': 'flac',
};

export async function transcribe(
  settings: WhisperSettings,
  audio: Buffer,
  mediaType = 'audio/webm',
  signal?: AbortSignal,
): Promise<string> {
  if (!settings.apiKey) throw new AgentError('not_configured', describeFailure('not_configured', 'Voice transcription (Whisper)'));
  if (audio.length === 0) throw new AgentError('bad_request', 'The recording is empty.');
  if (audio.length > MAX_WHISPER_BYTES) throw new AgentError('too_large', 'The recording is longer than Whisper accepts (25 MB).');
  const baseUrl = (settings.baseUrl || 'https://api.openai.com/v1').replace(/\/+$/, '');
  const type = mediaType.split(';')[0]!.trim().toLowerCase();
  const form = new FormData();
  form.append('model', 'whisper-1');
  form.append('file', new Blob([audio], { type }), `recording.${EXTENSIONS[type] ?? 'webm'}`);
  const name = 'The transcription API';
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${settings.apiKey}` },
      body: form,
      signal: signal ?? AbortSignal.timeout(120_000),
    });
  } catch (err) {
    const { code, detail } = classify(err, false);
    throw new AgentError(code, describeFailure(code, name, detail), { cause: err });
  }
  const body = await res.text();
  if (!res.ok) {
    const { code } = classify({ status: res.status }, false);
    throw new AgentError(code, describeFailure(code, name, `HTTP ${res.status}: ${apiMessage(body)}`));
  }
  try {
    const text = (JSON.parse(body) as { text?: unknown }).text;
    if (typeof text === 'string') return text.trim();
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  throw new AgentError('provider_error', describeFailure('provider_error', name, 'the answer had no text'));
}

function apiMessage(body: string): string {
  try {
    const msg = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof msg === 'string') return msg;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  return body.slice(0, 200);
}
