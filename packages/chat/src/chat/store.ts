// The chat's state and how each server frame changes it. Framework-free: React reads it through
// useSyncExternalStore, one slice per component, so a token re-renders the streaming row only.
import type { Checkpoint, Message, ServerMessage, StoredMessage, ToolStep } from '@fluxy/protocol';

/** A message from the history API (`Message`) or from the socket (`StoredMessage`). */
export type HistoryMessage = StoredMessage | Message;

export interface ToolView {
  key: string;
  name: string;
  status: ToolStep['status'];
  summary?: string;
}

export interface AttachmentView {
  name: string;
  mediaType: string;
  /** An object URL for a picture the user sent from this device. */
  previewUrl?: string;
}

export interface ChatMessage {
  /** The stored id, or `local:<clientMessageId>` until the server acknowledges it. */
  id: string;
  role: 'user' | 'assistant' | 'notice';
  content: string;
  status?: 'complete' | 'interrupted' | 'error' | 'sending';
  clientMessageId?: string;
  tools?: ToolView[];
  error?: { code: string; message: string };
  attachments?: AttachmentView[];
  /** The checkpoint this turn left, and the paths it changed. */
  checkpointId?: string;
  files?: string[];
  /** The checkpoint before this turn: what its `Undo` goes back to. */
  undoTo?: string;
  /** A notice that the app broke after a turn: the chat offers Undo and "Ask the agent to fix it". */
  broken?: { part: string; error: string; checkpointId?: string };
}

export interface LiveTurn {
  text: string;
  tools: ToolView[];
  /** The stored id of the answer being written, when the server said it (`chat:in-progress`). */
  messageId?: string;
}

export interface ChatState {
  conversationId: string | null;
  messages: ChatMessage[];
  /** The answer being streamed now, or null. */
  live: LiveTurn | null;
  loading: boolean;
}

const initial: ChatState = { conversationId: null, messages: [], live: null, loading: true };

function upsertTool(tools: ToolView[], step: ToolStep): ToolView[] {
  // Without an id, a `done` closes the newest open step of the same tool.
  const index = step.id
    ? tools.findIndex((t) => t.key === step.id)
    : step.status === 'started'
      ? -1
      : tools.findLastIndex((t) => t.name === step.name && t.status === 'started');
  const view: ToolView = {
    key: step.id ?? (index >= 0 ? tools[index]!.key : `${step.name}-${tools.length}`),
    name: step.name,
    status: step.status,
    summary: step.summary ?? (index >= 0 ? tools[index]!.summary : undefined),
  };
  if (index < 0) return [...tools, view];
  const next = tools.slice();
  next[index] = view;
  return next;
}

export function fromStored(m: HistoryMessage): ChatMessage {
  return {
    id: m.id,
    role: m.role,
    content: m.content,
    status: m.status,
    attachments: m.attachments?.map((a) => ({ name: a.name, mediaType: a.mediaType })),
  };
}

let noticeCounter = 0;
export function notice(code: string, message: string): ChatMessage {
  return { id: `notice:${++noticeCounter}`, role: 'notice', content: message, error: { code, message } };
}

export type ChatStore = ReturnType<typeof createChatStore>;

export function createChatStore() {
  let state = initial;
  const listeners = new Set<() => void>();
  const set = (next: Partial<ChatState>) => {
    state = { ...state, ...next };
    for (const l of listeners) l();
  };
  // Conversations the user moved away from: their frames must not land in a new, still id-less one.
  const left = new Set<string>();
  let stopRequested = false;
  let view = 0;
  /** Frames about another conversation than the one shown are ignored (its history loads on open). */
  const mine = (id: string | undefined) => id === undefined || id === state.conversationId || (state.conversationId === null && !left.has(id));
  const leave = () => {
    if (state.conversationId) left.add(state.conversationId);
    stopRequested = false;
  };

  const finishLive = (extra: Partial<ChatMessage>) => {
    const live = state.live;
    const message: ChatMessage = {
      id: extra.id ?? `answer:${Date.now()}`,
      role: 'assistant',
      content: live?.text ?? '',
      tools: live?.tools.length ? live.tools : undefined,
      ...extra,
    };
    set({ live: null, messages: [...state.messages, message] });
  };

  const fail = (clientMessageId: string, reason: string) => {
    const messages = state.messages.map((m) =>
      m.clientMessageId === clientMessageId ? { ...m, status: undefined, error: { code: 'not_sent', message: reason } } : m,
    );
    set({ messages });
  };

  return {
    get: () => state,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Which conversation the user last chose to see: changes with `startNew` and `open`. */
    view: () => view,
    /**
     * Shows a conversation's stored history (a turn still running arrives as `chat:in-progress`).
     * `since`: the `view()` when the history was asked for; a user who has moved on since (tapped
     * `New conversation` while the page was still loading) keeps what they chose.
     */
    load(conversationId: string | null, messages: HistoryMessage[], since?: number) {
      if (since !== undefined && since !== view) return;
      const pending = state.messages.filter((m) => m.status === 'sending' && conversationId === state.conversationId);
      const stored = messages.map(fromStored);
      const live = conversationId === state.conversationId ? state.live : null;
      // The answer being streamed is saved as it goes: shown once, as the live row.
      const shown = live?.messageId ? stored.filter((m) => m.id !== live.messageId) : stored;
      set({ conversationId, messages: [...shown, ...pending], live, loading: false });
    },
    startNew() {
      view++;
      leave();
      set({ conversationId: null, messages: [], live: null, loading: false });
    },
    /** Shows another conversation (its live part, if any, follows as `chat:in-progress`). */
    open(conversationId: string, messages: HistoryMessage[]) {
      view++;
      leave();
      left.delete(conversationId);
      set({ conversationId, messages: messages.map(fromStored), live: null, loading: false });
    },
    /** The answer that ends next was stopped by the user: it is kept, marked as stopped. */
    requestStop() {
      if (state.live) stopRequested = true;
    },
    addLocal(message: ChatMessage) {
      set({ messages: [...state.messages, message] });
    },
    /** A message of ours that could not go out: it stays, with the reason. */
    fail,
    /** Gives the answers of the history their checkpoints (a reload keeps each turn's `Undo`). */
    annotate(checkpoints: readonly Checkpoint[]) {
      const byMessage = new Map(checkpoints.filter((c) => c.kind === 'turn' && c.messageId).map((c) => [c.messageId!, c]));
      if (!state.messages.some((m) => !m.checkpointId && byMessage.has(m.id))) return;
      const messages = state.messages.map((m) => {
        const c = byMessage.get(m.id);
        return c && !m.checkpointId ? { ...m, checkpointId: c.id, files: c.files, undoTo: c.parentId ?? undefined } : m;
      });
      set({ messages });
    },
    apply(frame: ServerMessage) {
      switch (frame.type) {
        case 'chat:conversation-created':
          if (state.conversationId === null) set({ conversationId: frame.conversationId });
          return;
        case 'chat:received': {
          if (!mine(frame.conversationId)) return;
          // History refetched after a reconnect may hold the stored copy already: keep one.
          const known = state.messages.some((m) => m.id === frame.messageId);
          const messages = known
            ? state.messages.filter((m) => m.clientMessageId !== frame.clientMessageId)
            : state.messages.map((m) => (m.clientMessageId === frame.clientMessageId ? { ...m, id: frame.messageId, status: undefined } : m));
          set({ messages, conversationId: state.conversationId ?? frame.conversationId });
          return;
        }
        case 'chat:sync':
          if (!mine(frame.conversationId) || state.messages.some((m) => m.id === frame.message.id)) return;
          set({ messages: [...state.messages, fromStored(frame.message)] });
          return;
        case 'chat:cleared':
          return;
        case 'bot:typing':
          if (mine(frame.conversationId)) set({ live: { text: '', tools: [] }, conversationId: state.conversationId ?? frame.conversationId });
          return;
        case 'chat:in-progress':
          if (mine(frame.conversationId)) {
            set({
              conversationId: state.conversationId ?? frame.conversationId,
              live: { text: frame.text, tools: frame.tools.reduce<ToolView[]>(upsertTool, []), messageId: frame.messageId },
              messages: frame.messageId ? state.messages.filter((m) => m.id !== frame.messageId) : state.messages,
            });
          }
          return;
        case 'bot:token': {
          if (!mine(frame.conversationId)) return;
          const live = state.live ?? { text: '', tools: [] };
          set({ live: { ...live, text: live.text + frame.text } });
          return;
        }
        case 'bot:tool': {
          if (!mine(frame.conversationId)) return;
          const live = state.live ?? { text: '', tools: [] };
          set({ live: { ...live, tools: upsertTool(live.tools, frame) } });
          return;
        }
        case 'bot:response':
          if (!mine(frame.conversationId)) return;
          if (state.messages.some((m) => m.id === frame.messageId)) {
            // Loaded from history while it was being written (saved partially): now it is whole.
            const messages = state.messages.map((m) => (m.id === frame.messageId ? { ...m, content: frame.content, status: 'complete' as const, tools: state.live?.tools ?? m.tools } : m));
            set({ live: null, messages });
          } else {
            finishLive({ id: frame.messageId, content: frame.content, status: stopRequested ? 'interrupted' : 'complete' });
          }
          stopRequested = false;
          return;
        case 'bot:error':
          if (frame.clientMessageId && state.messages.some((m) => m.clientMessageId === frame.clientMessageId)) {
            // Our own message, refused: it stays on screen, marked with the reason.
            fail(frame.clientMessageId, frame.message);
            return;
          }
          if (!mine(frame.conversationId)) return;
          stopRequested = false;
          if (state.live) finishLive({ status: 'error', error: { code: frame.code, message: frame.message } });
          else set({ messages: [...state.messages, notice(frame.code, frame.message)] });
          return;
        case 'app:checkpoint': {
          if (!mine(frame.conversationId)) return;
          const messages = state.messages.map((m) =>
            m.id === frame.messageId ? { ...m, checkpointId: frame.checkpointId, files: frame.files, undoTo: frame.previousCheckpointId } : m,
          );
          set({ messages });
          return;
        }
        case 'app:broken': {
          const shown = notice(`broken_${frame.part}`, `Your ${frame.part === 'backend' ? 'backend' : 'dashboard'} stopped working after the last change.`);
          set({ messages: [...state.messages, { ...shown, broken: { part: frame.part, error: frame.error, checkpointId: frame.checkpointId } }] });
          return;
        }
        case 'app:restored':
          set({ messages: [...state.messages, { ...notice('restored', 'Your app is back to how it was before that change.'), error: undefined }] });
          return;
        default:
          return;
      }
    },
  };
}
