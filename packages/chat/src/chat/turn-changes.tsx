// What a turn changed in the app, with its Undo, and the notice that a turn broke the app.
import { useState } from 'react';
import { Icon } from '../ui/icons.tsx';
import type { ChatMessage } from './store.ts';

/** The diff of one checkpoint, fetched when first opened (it may be large; most are never looked at). */
async function fetchDiff(checkpointId: string): Promise<string> {
  try {
    const res = await fetch(`/api/checkpoints/${encodeURIComponent(checkpointId)}/diff`, { credentials: 'same-origin' });
    if (res.ok) return (await res.text()) || '(no changes)';
    return `Could not load the changes (${res.status}).`;
  } catch (err) {
    console.warn('fluxy: diff failed', err);
    return "Can't reach Fluxy to load the changes.";
  }
}

/** "Changed N files" (tap: the paths and the diff) and the turn's `Undo`. */
export function TurnChanges({ message, onUndo }: { message: ChatMessage; onUndo?: (checkpointId: string) => void }) {
  const [diff, setDiff] = useState<string | null>(null);
  const files = message.files ?? [];
  const onToggle = (e: React.SyntheticEvent<HTMLDetailsElement>) => {
    if (e.currentTarget.open && diff === null && message.checkpointId) {
      setDiff('');
      fetchDiff(message.checkpointId).then(setDiff);
    }
  };
  return (
    <div className="msg-actions">
      <details className="changes" onToggle={onToggle}>
        <summary>
          Changed {files.length} file{files.length === 1 ? '' : 's'}
        </summary>
        <ul className="changed-files">
          {files.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
        {diff === '' && <div className="spinner" role="status" aria-label="Loading the changes" />}
        {diff && <pre className="diff">{diff}</pre>}
      </details>
      {message.undoTo && onUndo && (
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => onUndo(message.undoTo!)}>
          <Icon name="undo" size={16} /> Undo
        </button>
      )}
    </div>
  );
}

/** The app broke after a turn: the error's first lines, `Undo` (back to the last good checkpoint) and a way to ask for a fix. */
export function BrokenNotice(props: { message: ChatMessage; onUndo?: (checkpointId: string) => void; onAskFix?: (text: string) => void }) {
  const broken = props.message.broken!;
  const ask = () =>
    props.onAskFix?.(`The ${broken.part} stopped working after your last change. Please fix it. The error:\n\n\`\`\`\n${broken.error}\n\`\`\``);
  return (
    <div className="msg msg-notice msg-broken" role="alert">
      <Icon name="alert" size={16} />
      <div className="broken-body">
        <span>{props.message.content}</span>
        <pre className="broken-error">{broken.error}</pre>
        <div className="msg-actions">
          {broken.checkpointId && props.onUndo && (
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => props.onUndo!(broken.checkpointId!)}>
              <Icon name="undo" size={16} /> Undo
            </button>
          )}
          {props.onAskFix && (
            <button type="button" className="btn btn-ghost btn-sm" onClick={ask}>
              Ask the agent to fix it
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
