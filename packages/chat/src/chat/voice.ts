// Voice notes: MediaRecorder while the button is on; the recording goes to the server as
// `whisper:transcribe` and the text comes back (`whisper:result`) into the composer.
import { useCallback, useEffect, useRef, useState } from 'react';
import { toBase64 } from './attachments.ts';

export type RecorderState = 'idle' | 'recording' | 'transcribing';

export function useVoiceRecorder(onAudio: (audio: string, mediaType: string) => void, onProblem: (message: string) => void) {
  const [state, setState] = useState<RecorderState>('idle');
  const [seconds, setSeconds] = useState(0);
  const recorder = useRef<MediaRecorder | null>(null);

  // The clock shown while recording.
  useEffect(() => {
    if (state !== 'recording') return;
    const started = Date.now();
    setSeconds(0);
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 250);
    return () => clearInterval(timer);
  }, [state]);

  const start = async () => {
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') {
      onProblem('This browser cannot record audio here (it needs https or localhost).');
      return;
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      onProblem(`No microphone: ${(err as Error).message || 'permission refused'}.`);
      return;
    }
    const chunks: Blob[] = [];
    const rec = new MediaRecorder(stream);
    rec.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    rec.onstop = async () => {
      for (const track of stream.getTracks()) track.stop();
      const blob = new Blob(chunks, { type: rec.mimeType || 'audio/webm' });
      if (blob.size === 0) {
        setState('idle');
        onProblem('The recording was empty.');
        return;
      }
      setState('transcribing');
      onAudio(await toBase64(blob), blob.type.split(';')[0] || 'audio/webm');
    };
    recorder.current = rec;
    rec.start();
    setState('recording');
  };

  const stop = () => {
    recorder.current?.stop();
    recorder.current = null;
  };

  const done = useCallback(() => setState('idle'), []);
  return { state, seconds, start, stop, done };
}
