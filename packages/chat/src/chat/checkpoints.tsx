// The app's checkpoints, newest first; any of them can be gone back to.
import type { Checkpoint, PublicSettings } from '@fluxy/protocol';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { Drawer } from '../ui/drawer.tsx';

const KIND_TEXT: Record<Checkpoint['kind'], string> = {
  baseline: 'Before the first change',
  edits: 'Your own edits',
  turn: 'Change by the agent',
  restore: 'Went back',
};

function when(iso: string): string {
  return new Date(iso).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function filesText(files: string[]): string {
  if (files.length === 0) return 'no files';
  const shown = files.slice(0, 3).join(', ');
  return files.length > 3 ? `${shown} and ${files.length - 3} more` : shown;
}

export function CheckpointList(props: { onClose: () => void }) {
  const [items, setItems] = useState<Checkpoint[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [autoRollback, setAutoRollback] = useState<boolean | null>(null);

  useEffect(() => {
    api<Checkpoint[]>('/api/checkpoints?limit=100').then((res) => {
      if (res.ok) setItems(res.data);
      else setError(res.error.message);
    });
    api<PublicSettings>('/api/settings').then((res) => {
      if (res.ok) setAutoRollback(res.data.autoRollback === true);
    });
  }, []);

  const toggleAuto = async (on: boolean) => {
    setAutoRollback(on);
    const res = await api<PublicSettings>('/api/settings', { method: 'PUT', body: { autoRollback: on } });
    if (res.ok) setAutoRollback(res.data.autoRollback === true);
    else setError(res.error.message);
  };

  const restore = async (id: string) => {
    setBusy(id);
    setError('');
    const res = await api(`/api/checkpoints/${encodeURIComponent(id)}/restore`, { method: 'POST' });
    setBusy(null);
    // Success shows in the chat as everyone's `app:restored`.
    if (res.ok) props.onClose();
    else setError(res.error.message);
  };

  return (
    <Drawer label="Checkpoints" closeLabel="Close the checkpoints" onClose={props.onClose} error={error}>
      {items === null && !error && <div className="spinner" />}
      {items?.length === 0 && <p className="muted small">No checkpoints yet: the first one is made before the agent's first change.</p>}
      <ul className="conv-list">
        {items?.map((c) => (
          <li key={c.id} className="checkpoint">
            <div className="checkpoint-text">
              <span className="conv-title">{KIND_TEXT[c.kind]}</span>
              <small>
                {when(c.createdAt)} · {filesText(c.files)}
              </small>
            </div>
            <button type="button" className="btn btn-ghost btn-sm" aria-label={`Go back to ${when(c.createdAt)}`} disabled={busy !== null} onClick={() => restore(c.id)}>
              {busy === c.id ? 'Restoring…' : 'Go back'}
            </button>
          </li>
        ))}
      </ul>
      {autoRollback !== null && (
        <label className="drawer-foot small">
          <input type="checkbox" checked={autoRollback} onChange={(e) => toggleAuto(e.target.checked)} /> Go back by itself when a change breaks the app
        </label>
      )}
    </Drawer>
  );
}
