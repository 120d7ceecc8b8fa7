// Past conversations, newest first; choosing one reopens it.
import type { Conversation } from '@fluxy/protocol';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { Icon } from '../ui/icons.tsx';

function when(iso: string): string {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

export function ConversationList(props: { current: string | null; onOpen: (id: string) => void; onSignOut: () => void; onClose: () => void; onInstall?: () => void }) {
  const [items, setItems] = useState<Conversation[] | null>(null);
  const [error, setError] = useState('');
  const panel = useRef<HTMLElement>(null);

  useEffect(() => {
    api<{ conversations: Conversation[] }>('/api/conversations?limit=100').then((res) => {
      if (res.ok) setItems(res.data.conversations);
      else setError(res.error.message);
    });
    panel.current?.querySelector<HTMLElement>('button')?.focus();
  }, []);

  // Escape closes the list only, not the chat panel around it.
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    props.onClose();
  };

  return (
    <>
      {/* The dimmed chat behind the list: a tap there closes it (the close button is the accessible way). */}
      <button type="button" className="drawer-scrim" aria-hidden="true" tabIndex={-1} onClick={props.onClose} />
      <nav className="drawer" ref={panel} aria-label="Conversations" onKeyDown={onKeyDown}>
      <div className="drawer-head">
        <h2>Conversations</h2>
        <button type="button" className="icon-btn" aria-label="Close the list" onClick={props.onClose}>
          <Icon name="close" />
        </button>
      </div>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
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
      </nav>
    </>
  );
}
