// Past conversations, newest first; choosing one reopens it.
import type { Conversation } from '@fluxy/protocol';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { Drawer } from '../ui/drawer.tsx';

function when(iso: string): string {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

export function ConversationList(props: { current: string | null; onOpen: (id: string) => void; onSignOut: () => void; onClose: () => void; onInstall?: () => void }) {
  const [items, setItems] = useState<Conversation[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    api<{ conversations: Conversation[] }>('/api/conversations?limit=100').then((res) => {
      if (res.ok) setItems(res.data.conversations);
      else setError(res.error.message);
    });
  }, []);

  return (
    <Drawer label="Conversations" closeLabel="Close the list" onClose={props.onClose} error={error}>
      {items === null && !error && <div className="spinner" />}
      {items?.length === 0 && <p className="muted small">No conversations yet.</p>}
      <ul className="conv-list">
        {items?.map((c) => (
          <li key={c.id}>
            <button type="button" className={`conv ${c.id === props.current ? 'current' : ''}`} aria-current={c.id === props.current || undefined} onClick={() => props.onOpen(c.id)}>
              <span className="conv-title">{c.title || 'New conversation'}</span>
              <small>{when(c.updatedAt)}</small>
            </button>
          </li>
        ))}
      </ul>
      <div className="drawer-foot">
        {props.onInstall && (
          <button type="button" className="btn btn-primary btn-sm" onClick={props.onInstall}>
            Install app
          </button>
        )}
        <a className="btn btn-ghost btn-sm" href="/fluxy/setup">
          Settings
        </a>
        <button type="button" className="btn btn-ghost btn-sm" onClick={props.onSignOut}>
          Sign out
        </button>
      </div>
    </Drawer>
  );
}
