import type { ServerMessage, ToolStep } from '@fluxy/protocol';

// What a client that joins late needs: a page reloaded, or a second device opened, in the middle of
// an answer. While a turn runs, its text so far and its tool steps are kept here (fed from the same
// frames that go to every client); a client that connects, or sends `chat:subscribe`, gets one
// `chat:in-progress` frame per running turn, and the live frames that follow continue from there.
// Both happen on the supervisor's one thread, so nothing can slip between the snapshot and the
// next token. Kept only while the turn runs: the finished answer is in the database.

interface LiveTurn {
  messageId?: string;
  text: string;
  /** Latest status per step, in the order the steps started. */
  tools: Map<string, ToolStep>;
}

export function createLiveTurns() {
  const turns = new Map<string, LiveTurn>();

  const frameOf = (conversationId: string, t: LiveTurn): ServerMessage => ({
    type: 'chat:in-progress',
    conversationId,
    ...(t.messageId ? { messageId: t.messageId } : {}),
    text: t.text,
    tools: [...t.tools.values()],
  });

  return {
    start(conversationId: string): void {
      turns.set(conversationId, { text: '', tools: new Map() });
    },
    /** The stored assistant message that this turn's answer will become. */
    setMessageId(conversationId: string, messageId: string): void {
      const t = turns.get(conversationId);
      if (t) t.messageId = messageId;
    },
    end(conversationId: string): void {
      turns.delete(conversationId);
    },
    /**
     * Follows the frames broadcast to every client. The answer's end (`bot:response`, or a final
     * `bot:error`) ends the live turn even though the turn may still wait for the backend it
     * restarted: a client joining then must not get an answer it will never see completed.
     */
    observe(frame: ServerMessage): void {
      if (frame.type === 'bot:response' || (frame.type === 'bot:error' && frame.conversationId && frame.code !== 'not_saved')) {
        turns.delete(frame.conversationId as string);
        return;
      }
      if (frame.type !== 'bot:token' && frame.type !== 'bot:tool') return;
      const t = turns.get(frame.conversationId);
      if (!t) return;
      if (frame.type === 'bot:token') {
        t.text += frame.text;
        return;
      }
      // Providers without ids: a step's end belongs to the newest unfinished step of that name.
      const open = [...t.tools].findLast(([, s]) => s.name === frame.name && s.status === 'started');
      const key = frame.id ?? (frame.status !== 'started' && open ? open[0] : `#${t.tools.size}`);
      const before = t.tools.get(key);
      t.tools.set(key, {
        name: frame.name,
        status: frame.status,
        ...(frame.id ? { id: frame.id } : {}),
        ...((frame.summary ?? before?.summary) ? { summary: frame.summary ?? before?.summary } : {}),
      });
    },
    /** One `chat:in-progress` frame per running turn (of one conversation, when named). */
    snapshot(conversationId?: string): ServerMessage[] {
      const out: ServerMessage[] = [];
      for (const [id, t] of turns) if (!conversationId || id === conversationId) out.push(frameOf(id, t));
      return out;
    },
  };
}
export type LiveTurns = ReturnType<typeof createLiveTurns>;
