// The chat: one socket, one store, the conversation, the composer and the connection state.
import type { Checkpoint, ClientMessage, ConversationWithMessages, ServerMessage } from '@fluxy/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, framed, loginUrl, onParentMessage, sessionInfo, tellParent } from '../api.ts';
import { type ChatSocket, type ConnectionState, createChatSocket, newId } from '../socket.ts';
import { Icon } from '../ui/icons.tsx';
import { addFiles, type PendingFile, toAttachments } from './attachments.ts';
import { CheckpointList } from './checkpoints.tsx';
import { Composer } from './composer.tsx';
import { ConversationList } from './conversations.tsx';
import { MessageList } from './message-list.tsx';
import { createChatStore } from './store.ts';
import { useVoiceRecorder } from './voice.ts';

const SUGGESTIONS = ['Add a habit tracker to my dashboard', 'Make a page for my monthly budget', 'What can you change in my app?', 'Give the dashboard a dark theme'];

function socketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/fluxy/ws`;
}

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

export function ChatView({ onSignOut }: { onSignOut: () => void }) {
  const store = useMemo(createChatStore, []);
  const socket = useRef<ChatSocket | null>(null);
  const sendFrame = useCallback((message: ClientMessage) => socket.current?.send(message), []);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [draft, setDraft] = useState('');
  const [files, setFiles] = useState<PendingFile[]>([]);
  const [problem, setProblem] = useState('');
  const [working, setWorking] = useState(false);
  const [listOpen, setListOpen] = useState(false);
  const [checkpointsOpen, setCheckpointsOpen] = useState(false);
  const [installable, setInstallable] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const draftRef = useRef(draft);
  draftRef.current = draft;
  /** The last change of the server's current conversation: whether it took. */
  const switching = useRef<Promise<boolean>>(Promise.resolve(true));

  const recorder = useVoiceRecorder(
    (audio, mediaType) => sendFrame({ type: 'whisper:transcribe', audio, mediaType }),
    setProblem,
  );
  const recorderDone = recorder.done;

  /** Loads the conversation shown (or the server's current one) from the worker. */
  const refresh = useCallback(async () => {
    const since = store.view();
    let id = store.get().conversationId;
    if (id === null && store.get().loading) {
      const current = await api<{ conversationId: string | null }>('/api/context/current');
      id = current.ok ? current.data.conversationId : null;
    }
    if (!id) return store.load(null, [], since);
    const [res, checkpoints] = await Promise.all([
      api<ConversationWithMessages>(`/api/conversations/${encodeURIComponent(id)}`),
      api<Checkpoint[]>('/api/checkpoints?limit=200'),
    ]);
    if (res.ok) store.load(id, res.data.messages, since);
    else if (res.status === 404) store.load(null, [], since);
    else setProblem(res.error.message);
    // Each turn's changes and Undo survive a reload; without checkpoints the chat works as before.
    if (checkpoints.ok) store.annotate(checkpoints.data);
  }, [store]);

  useEffect(() => {
    const unsubscribe = store.subscribe(() => setWorking(store.get().live !== null));
    const handle = (frame: ServerMessage) => {
      store.apply(frame);
      if (frame.type === 'whisper:result') {
        recorderDone();
        const before = draftRef.current.trim();
        setDraft(before ? `${before} ${frame.text}` : frame.text);
      } else if (frame.type === 'bot:error' && !frame.conversationId) {
        // Transcription failures name no conversation; the error shows as a notice, the mic frees up.
        recorderDone();
      } else if (frame.type === 'app:hmr-update') {
        tellParent({ type: 'fluxy:hmr-update', files: frame.files ?? [] });
      }
    };
    // The socket opens at once, but its frames wait until the history has loaded and are then
    // applied on top of it: a turn that ends while the history loads is neither lost nor doubled.
    let held: ServerMessage[] | null = [];
    const s = createChatSocket({
      url: socketUrl(),
      onFrame: (frame) => (held ? held.push(frame) : handle(frame)),
      onState: setConnection,
      onReconnect: () => void refresh(),
      onBadFrame: (raw, reason) => console.warn('fluxy: unexpected frame', reason, raw),
    });
    socket.current = s;
    refresh().finally(() => {
      const frames = held ?? [];
      held = null;
      for (const frame of frames) handle(frame);
    });
    // A phone that wakes the page should not wait out the backoff.
    const wake = () => {
      if (document.visibilityState === 'visible') s.reconnectNow();
    };
    document.addEventListener('visibilitychange', wake);
    return () => {
      unsubscribe();
      document.removeEventListener('visibilitychange', wake);
      s.close();
      socket.current = null;
    };
  }, [store, refresh, recorderDone]);

  const send = () => {
    const content = draft.trim();
    if (!content && files.length === 0) return;
    setDraft('');
    setFiles([]);
    return sendMessage(content, files);
  };

  const sendMessage = async (content: string, sending: PendingFile[]) => {
    const clientMessageId = newId();
    setProblem('');
    store.addLocal({
      id: `local:${clientMessageId}`,
      clientMessageId,
      role: 'user',
      content,
      status: 'sending',
      attachments: sending.map((p) => ({ name: p.file.name, mediaType: p.file.type, previewUrl: p.previewUrl })),
    });
    let attachments: Awaited<ReturnType<typeof toAttachments>> | undefined;
    try {
      attachments = sending.length ? await toAttachments(sending) : undefined;
    } catch (err) {
      store.fail(clientMessageId, `Not sent: could not read the file (${(err as Error).message}).`);
      return;
    }
    // A message without a conversation goes to the server's current one: after `New conversation`
    // that must be "none" before the message leaves, or it would land in the conversation just left.
    if (store.get().conversationId === null && !(await switching.current)) {
      switching.current = setCurrent(null);
      if (!(await switching.current)) {
        store.fail(clientMessageId, 'Not sent: could not start a new conversation. Try again.');
        return;
      }
    }
    sendFrame({ type: 'user:message', content, clientMessageId, conversationId: store.get().conversationId ?? undefined, attachments });
  };

  const stop = () => {
    store.requestStop();
    sendFrame({ type: 'user:stop', conversationId: store.get().conversationId ?? undefined });
  };

  /** Tells the server which conversation is current; true when it took it. */
  const setCurrent = async (conversationId: string | null): Promise<boolean> => {
    const res = await api('/api/context/set', { method: 'POST', body: { conversationId } });
    if (!res.ok) setProblem(res.error.message);
    return res.ok;
  };

  const newConversation = () => {
    setListOpen(false);
    store.startNew();
    // Chained: switching twice in quick succession must not let the older request land last.
    switching.current = switching.current.then(() => setCurrent(null));
  };

  const openConversation = async (id: string) => {
    setListOpen(false);
    const res = await api<ConversationWithMessages>(`/api/conversations/${encodeURIComponent(id)}`);
    if (!res.ok) return setProblem(res.error.message);
    store.open(id, res.data.messages);
    switching.current = switching.current.then(() => setCurrent(id));
    sendFrame({ type: 'chat:subscribe', conversationId: id });
  };

  // The dashboard's idea cards fill the composer; its install prompt is offered in the menu.
  useEffect(
    () =>
      onParentMessage((message) => {
        if (message.type === 'fluxy:draft') setDraft(message.text);
        else setInstallable(message.type === 'fluxy:install-available');
      }),
    [],
  );

  // A socket that keeps failing may mean the session ended (signed out elsewhere, expired): the
  // upgrade's 401 is not visible to a page, so ask. A server that is down answers nothing: keep trying.
  useEffect(() => {
    if (connection !== 'reconnecting') return;
    sessionInfo().then((res) => {
      if (res.ok && !res.data.signedIn) location.replace(loginUrl('/fluxy/'));
    });
  }, [connection]);

  const undo = useCallback((checkpointId: string) => sendFrame({ type: 'user:undo', checkpointId }), [sendFrame]);
  const sendRef = useRef(sendMessage);
  sendRef.current = sendMessage;
  const askFix = useCallback((text: string) => void sendRef.current(text, []), []);

  const addPicked = (picked: File[]) => {
    const result = addFiles(files, picked);
    setFiles(result.pending);
    setProblem(result.problem);
  };
  const addPickedRef = useRef(addPicked);
  addPickedRef.current = addPicked;

  // Files dropped anywhere on the chat are attached.
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const over = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    const drop = (e: DragEvent) => {
      if (!e.dataTransfer?.files.length) return;
      e.preventDefault();
      addPickedRef.current([...e.dataTransfer.files]);
    };
    el.addEventListener('dragover', over);
    el.addEventListener('drop', drop);
    return () => {
      el.removeEventListener('dragover', over);
      el.removeEventListener('drop', drop);
    };
  }, []);

  const empty = (
    <div className="empty">
      <div className="hero-icon">
        <Icon name="logo" size={28} />
      </div>
      <h1>What shall we build?</h1>
      <p className="lead">Ask Fluxy to change your app. It works on this computer while you watch.</p>
      <div className="suggestions">
        {SUGGESTIONS.map((s) => (
          <button key={s} type="button" className="suggestion" onClick={() => setDraft(s)}>
            {s}
          </button>
        ))}
      </div>
    </div>
  );

  return (
    <div className="chat" ref={root}>
      <header className="chat-top">
        <button type="button" className="icon-btn" aria-label="Conversations" aria-expanded={listOpen} onClick={() => setListOpen(!listOpen)}>
          <Icon name="list" />
        </button>
        <div className="chat-title">
          <b>Fluxy</b>
          <span className={`conn conn-${connection}`} role="status">
            {STATE_TEXT[connection]}
          </span>
        </div>
        <button type="button" className="icon-btn" aria-label="Checkpoints" title="Checkpoints" aria-expanded={checkpointsOpen} onClick={() => setCheckpointsOpen(!checkpointsOpen)}>
          <Icon name="undo" />
        </button>
        <button type="button" className="icon-btn" aria-label="New conversation" title="New conversation" onClick={newConversation}>
          <Icon name="edit" />
        </button>
        {framed && (
          <button type="button" className="icon-btn" aria-label="Close chat" onClick={() => tellParent({ type: 'fluxy:close' })}>
            <Icon name="close" />
          </button>
        )}
      </header>
      {listOpen && (
        <ConversationList
          current={store.get().conversationId}
          onOpen={openConversation}
          onSignOut={onSignOut}
          onClose={() => setListOpen(false)}
          onInstall={installable ? () => tellParent({ type: 'fluxy:install-app' }) : undefined}
        />
      )}
      {checkpointsOpen && <CheckpointList onClose={() => setCheckpointsOpen(false)} />}
      <MessageList store={store} onUndo={undo} onAskFix={askFix} empty={empty} />
      <Composer
        draft={draft}
        setDraft={setDraft}
        files={files}
        addFiles={addPicked}
        removeFile={(id) => setFiles(files.filter((f) => f.id !== id))}
        problem={problem}
        working={working}
        onSend={send}
        onStop={stop}
        recorder={recorder}
      />
    </div>
  );
}
