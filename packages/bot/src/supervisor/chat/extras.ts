import { type ClientMessage, toChatErrorCode } from '@fluxy/protocol';
import { MAX_WHISPER_BYTES, transcribe, whisperSettingsFrom } from '../../agent/index.ts';
import { FluxyError } from '../../shared/errors.ts';
import type { ChatClient } from '../chat-socket.ts';
import type { WorkerClient } from '../worker-client.ts';

/** `whisper:transcribe`: a voice note to text, answered to the sender only. */
export async function handleTranscribe(
  client: ChatClient,
  msg: Extract<ClientMessage, { type: 'whisper:transcribe' }>,
  worker: WorkerClient,
): Promise<void> {
  if (Math.floor((msg.audio.length * 3) / 4) > MAX_WHISPER_BYTES) {
    client.send({ type: 'bot:error', code: 'too_large', message: 'The recording is longer than Whisper accepts (25 MB).' });
    return;
  }
  const settings = whisperSettingsFrom(await worker.providerSettings());
  try {
    const text = await transcribe(settings, Buffer.from(msg.audio, 'base64'), msg.mediaType);
    client.send({ type: 'whisper:result', text });
  } catch (err) {
    const e = err as Error & { code?: string };
    client.send({ type: 'bot:error', code: toChatErrorCode(e.code, 'transcription_failed'), message: e.message });
  }
}

/** `settings:save`: the wizard's settings over the socket (the relay once mangled POST bodies). */
export async function handleSettingsSave(
  client: ChatClient,
  msg: Extract<ClientMessage, { type: 'settings:save' }>,
  worker: WorkerClient,
): Promise<void> {
  const { type: _, ...values } = msg;
  try {
    await worker.saveSettings(values, client.token);
  } catch (err) {
    if (!(err instanceof FluxyError)) throw err;
    client.send({ type: 'bot:error', code: toChatErrorCode(err.code, 'worker_error'), message: err.message });
  }
}
