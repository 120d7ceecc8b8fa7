// The conversation. Finished messages are memoised rows that never re-render while an answer
// streams; only the live row does, and it re-parses Markdown at most once per animation frame.
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Markdown } from '../markdown/markdown.tsx';
import { Icon } from '../ui/icons.tsx';
import type { ChatMessage, ChatStore, LiveTurn, ToolView } from './store.ts';
import { BrokenNotice, TurnChanges } from './turn-changes.tsx';

function ToolSteps({ tools }: { tools: ToolView[] }) {
  return (
    <ul className="tools" aria-label="Tool steps">
      {tools.map((t) => (
        <li key={t.key} className={`tool tool-${t.status}`}>
          <Icon name={t.status === 'done' ? 'check' : t.status === 'error' ? 'alert' : 'tool'} size={14} />
          <b>{t.name}</b>
          {t.summary && <span className="tool-summary">{t.summary}</span>}
          {t.status === 'started' && <span className="visually-hidden">running</span>}
        </li>
      ))}
    </ul>
  );
}

const STATUS_TEXT: Partial<Record<NonNullable<ChatMessage['status']>, string>> = {
  interrupted: 'Stopped',
  sending: 'Sending…',
};

export const MessageRow = memo(function MessageRow({
  message,
  onUndo,
  onAskFix,
}: {
  message: ChatMessage;
  onUndo?: (checkpointId: string) => void;
  onAskFix?: (text: string) => void;
}) {
  if (message.broken) return <BrokenNotice message={message} onUndo={onUndo} onAskFix={onAskFix} />;
  if (message.role === 'notice') {
    return (
      <div className="msg msg-notice" role={message.error ? 'alert' : undefined}>
        <Icon name="alert" size={16} />
        <span>{message.content}</span>
      </div>
    );
  }
  const mine = message.role === 'user';
  return (
    <article className={`msg ${mine ? 'msg-user' : 'msg-bot'}`} aria-label={mine ? 'You' : 'Fluxy'}>
      {message.attachments && message.attachments.length > 0 && (
        <div className="msg-files">
          {message.attachments.map((a, i) =>
            a.previewUrl ? (
              <img key={i} src={a.previewUrl} alt={a.name} className="thumb" />
            ) : (
              <span key={i} className="file-chip">
                {a.name}
              </span>
            ),
          )}
        </div>
      )}
      {message.tools && <ToolSteps tools={message.tools} />}
      {mine ? <p className="msg-text">{message.content}</p> : message.content && <Markdown text={message.content} />}
      {message.error && (
        <p className="msg-error">
          <Icon name="alert" size={16} /> {message.error.message}
        </p>
      )}
      {message.status && STATUS_TEXT[message.status] && <small className="msg-meta">{STATUS_TEXT[message.status]}</small>}
      {message.checkpointId && <TurnChanges message={message} onUndo={onUndo} />}
    </article>
  );
});

/** Text that follows the stream but re-renders at most once per frame, however fast tokens come. */
function useFrameThrottled(value: string): string {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  latest.current = value;
  useEffect(() => {
    if (shown === value) return;
    const frame = requestAnimationFrame(() => setShown(latest.current));
    return () => cancelAnimationFrame(frame);
  }, [value, shown]);
  return shown;
}

/** The answer being written: the only row that re-renders per token (at most once per frame). */
function LiveRow({ store, onGrow }: { store: ChatStore; onGrow: () => void }) {
  const live = useSyncExternalStore(store.subscribe, () => store.get().live) as LiveTurn;
  const text = useFrameThrottled(live.text);
  // biome-ignore lint/correctness/useExhaustiveDependencies: after each visible growth of the answer
  useLayoutEffect(onGrow, [text, live.tools]);
  return (
    <article className="msg msg-bot msg-live" aria-label="Fluxy">
      {live.tools.length > 0 && <ToolSteps tools={live.tools} />}
      {text ? <Markdown text={text} /> : <span className="typing"><span className="visually-hidden">Fluxy is working</span></span>}
    </article>
  );
}

const BATCH = 30;
const ALL = Number.MAX_SAFE_INTEGER;

export function MessageList({
  store,
  onUndo,
  onAskFix,
  empty,
}: {
  store: ChatStore;
  onUndo: (checkpointId: string) => void;
  onAskFix: (text: string) => void;
  empty: React.ReactNode;
}) {
  const messages = useSyncExternalStore(store.subscribe, () => store.get().messages);
  const working = useSyncExternalStore(store.subscribe, () => store.get().live !== null);
  const conversationId = useSyncExternalStore(store.subscribe, () => store.get().conversationId);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const loading = useSyncExternalStore(store.subscribe, () => store.get().loading);
  // A long conversation is drawn from the newest message back, a batch per task, so opening it
  // never blocks the page for long. Once caught up, every message shows, new ones included.
  const [win, setWin] = useState({ id: conversationId, shown: BATCH });
  if (win.id !== conversationId) setWin({ id: conversationId, shown: BATCH });
  useEffect(() => {
    if (loading || win.shown >= ALL) return;
    if (win.shown >= messages.length) return setWin((w) => ({ ...w, shown: ALL }));
    const timer = setTimeout(() => setWin((w) => ({ ...w, shown: w.shown + BATCH })), 0);
    return () => clearTimeout(timer);
  }, [loading, win.shown, messages.length]);
  const shown = win.id === conversationId ? win.shown : BATCH;
  const visible = shown >= messages.length ? messages : messages.slice(messages.length - shown);

  // Follows the bottom while the user is there; reading further up is left alone.
  const onScroll = () => {
    const el = scroller.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };
  const follow = useCallback(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each change of what is shown
  useLayoutEffect(follow, [visible, working]);

  return (
    <div className="messages" ref={scroller} onScroll={onScroll}>
      <div className="messages-inner" role="log" aria-live="polite" aria-relevant="additions" aria-label="Conversation">
        {messages.length === 0 && !working && empty}
        {visible.map((m) => (
          <MessageRow key={m.clientMessageId ?? m.id} message={m} onUndo={onUndo} onAskFix={onAskFix} />
        ))}
        {working && <LiveRow store={store} onGrow={follow} />}
      </div>
    </div>
  );
}
