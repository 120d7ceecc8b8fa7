// Where the user writes: text, attachments (picker, camera, paste, drop), voice, Send and Stop.
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef } from 'react';
import { Icon } from '../ui/icons.tsx';
import { ACCEPT, formatSize, LIMIT_TEXT, type PendingFile } from './attachments.ts';
import type { RecorderState } from './voice.ts';

export interface ComposerProps {
  draft: string;
  setDraft: (text: string) => void;
  files: PendingFile[];
  addFiles: (files: File[]) => void;
  removeFile: (id: string) => void;
  problem: string;
  working: boolean;
  onSend: () => void;
  onStop: () => void;
  recorder: { state: RecorderState; seconds: number; start: () => void; stop: () => void };
}

export function Composer(props: ComposerProps) {
  const { draft, setDraft, files, working, recorder } = props;
  const text = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const camera = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const canSend = (draft.trim().length > 0 || files.length > 0) && recorder.state === 'idle';

  // Grows with the text up to a limit, then scrolls.
  useEffect(() => {
    const el = text.current;
    if (!el) return;
    el.style.height = 'auto';
    // Empty, it keeps its one-line height: a wrapping placeholder must not make it grow.
    if (draft) el.style.height = `${Math.min(el.scrollHeight, 180)}px`;
  }, [draft]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (canSend) props.onSend();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends on a keyboard; on a phone (coarse pointer) Enter is a new line and Send is a tap away.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing && matchMedia('(pointer: fine)').matches) {
      e.preventDefault();
      if (canSend) props.onSend();
    }
  };
  const picked = (input: HTMLInputElement | null) => {
    if (!input?.files) return;
    props.addFiles([...input.files]);
    input.value = '';
  };

  return (
    <form className="composer" onSubmit={submit}>
      {(files.length > 0 || props.problem) && (
        <div className="tray">
          {props.problem && (
            <p className="alert" role="alert">
              {props.problem}
            </p>
          )}
          {files.length > 0 && <small className="hint">{LIMIT_TEXT}</small>}
          {files.length > 0 && (
            <ul className="pending" aria-label="Files to send">
              {files.map((f) => (
                <li key={f.id} className="pending-file">
                  {f.previewUrl ? <img src={f.previewUrl} alt="" /> : <span className="pdf">PDF</span>}
                  <span className="pending-name">
                    {f.file.name}
                    <small>{formatSize(f.file.size)}</small>
                  </span>
                  <button type="button" className="icon-btn sm" aria-label={`Remove ${f.file.name}`} onClick={() => props.removeFile(f.id)}>
                    <Icon name="close" size={16} />
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="composer-row">
        <button type="button" className="icon-btn" aria-label="Attach files" aria-describedby={hintId} title={LIMIT_TEXT} onClick={() => picker.current?.click()}>
          <Icon name="clip" />
        </button>
        <span id={hintId} className="visually-hidden">
          {LIMIT_TEXT}
        </span>
        <input ref={picker} type="file" accept={ACCEPT} multiple hidden onChange={(e) => picked(e.currentTarget)} />
        <button type="button" className="icon-btn touch-only" aria-label="Take a photo" onClick={() => camera.current?.click()}>
          <Icon name="camera" />
        </button>
        <input ref={camera} type="file" accept="image/*" capture="environment" hidden onChange={(e) => picked(e.currentTarget)} />
        <textarea
          ref={text}
          rows={1}
          value={draft}
          aria-label="Message"
          placeholder={recorder.state === 'transcribing' ? 'Turning your voice into text…' : 'Ask Fluxy…'}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            const pasted = [...e.clipboardData.files];
            if (pasted.length > 0) {
              e.preventDefault();
              props.addFiles(pasted);
            }
          }}
        />
        {recorder.state === 'recording' && (
          <span className="rec-time">
            <span className="visually-hidden">Recording </span>
            {Math.floor(recorder.seconds / 60)}:{String(recorder.seconds % 60).padStart(2, '0')}
          </span>
        )}
        <button
          type="button"
          className={`icon-btn ${recorder.state === 'recording' ? 'recording' : ''}`}
          aria-label={recorder.state === 'recording' ? 'Stop recording' : 'Record voice message'}
          aria-pressed={recorder.state === 'recording'}
          disabled={recorder.state === 'transcribing'}
          onClick={() => (recorder.state === 'recording' ? recorder.stop() : recorder.start())}
        >
          <Icon name={recorder.state === 'recording' ? 'stop' : 'mic'} />
        </button>
        {working && (
          <button type="button" className="send-btn stop" onClick={props.onStop}>
            <Icon name="stop" size={18} />
            <span>Stop</span>
          </button>
        )}
        {(!working || canSend) && (
          <button type="submit" className="send-btn" disabled={!canSend}>
            <Icon name="send" size={18} />
            <span>Send</span>
          </button>
        )}
      </div>
    </form>
  );
}
