// A small "updating" veil while the app reloads after an edit: while Vite applies an update that
// takes longer than a moment, or while its socket is down. Fast updates (most of them) finish
// before the delay and show nothing, so the page does not flicker on every keystroke of the agent.
// The chat's `fluxy:hmr-update` at the end of a turn shows nothing by itself: Vite has applied the
// turn's edits as they were written, and a veil waiting for an update that already happened sat
// over the page for seconds after every turn.
import { useEffect, useRef, useState } from 'react';
import { type HmrEvent, onHmrEvent } from './hmr-events.ts';

type Shown = null | 'updating' | 'reconnecting';

const SHOW_AFTER_MS = 300;
// An update that fails (a syntax error) never sends after-update; don't stay up forever.
const GIVE_UP_MS = 8000;

export function RebuildOverlay() {
  const [shown, setShown] = useState<Shown>(null);
  const showTimer = useRef<number | undefined>(undefined);
  const hideTimer = useRef<number | undefined>(undefined);

  useEffect(() => {
    const clear = () => {
      window.clearTimeout(showTimer.current);
      window.clearTimeout(hideTimer.current);
    };
    const show = (what: Exclude<Shown, null>, delay: number) => {
      clear();
      showTimer.current = window.setTimeout(() => setShown(what), delay);
      hideTimer.current = window.setTimeout(() => setShown(null), delay + GIVE_UP_MS);
    };
    const hide = () => {
      clear();
      setShown(null);
    };
    const handle = (event: HmrEvent) => {
      if (event === 'files-changed') return;
      if (event === 'before-update') show('updating', SHOW_AFTER_MS);
      else if (event === 'disconnected') {
        clear();
        // Stays until Vite is back; Vite then reloads the page by itself.
        showTimer.current = window.setTimeout(() => setShown('reconnecting'), 1000);
      } else hide();
    };
    const unsubscribe = onHmrEvent(handle);
    return () => {
      unsubscribe();
      clear();
    };
  }, []);

  if (!shown) return null;
  return (
    <div
      aria-live="polite"
      className="fixed inset-0 z-[2147482000] grid place-items-center bg-zinc-50/60 backdrop-blur-sm dark:bg-black/50"
    >
      <div className="flex items-center gap-3 rounded-2xl border border-zinc-200 bg-white px-5 py-3.5 shadow-lg dark:border-zinc-800 dark:bg-zinc-900">
        <span className="size-5 animate-spin rounded-full border-2 border-violet-500 border-t-transparent" />
        <span className="text-sm font-medium">
          {shown === 'updating' ? 'Updating your app…' : 'Reconnecting to your app…'}
        </span>
      </div>
    </div>
  );
}
