// A panel that slides over the chat from the left (conversations, checkpoints): a dimmed scrim
// closes it on a tap, Escape closes it (not the chat panel around it), focus starts inside.
import { useEffect, useRef } from 'react';
import { Icon } from './icons.tsx';

export function Drawer(props: { label: string; closeLabel: string; onClose: () => void; error?: string; children: React.ReactNode }) {
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('button')?.focus();
  }, []);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    props.onClose();
  };
  return (
    <>
      {/* The dimmed chat behind the panel: a tap there closes it (the close button is the accessible way). */}
      <button type="button" className="drawer-scrim" aria-hidden="true" tabIndex={-1} onClick={props.onClose} />
      <nav className="drawer" ref={panel} aria-label={props.label} onKeyDown={onKeyDown}>
        <div className="drawer-head">
          <h2>{props.label}</h2>
          <button type="button" className="icon-btn" aria-label={props.closeLabel} onClick={props.onClose}>
            <Icon name="close" />
          </button>
        </div>
        {props.error && (
          <p className="alert" role="alert">
            {props.error}
          </p>
        )}
        {props.children}
      </nav>
    </>
  );
}
