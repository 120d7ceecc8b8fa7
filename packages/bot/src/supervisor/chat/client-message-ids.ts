// Exactly-once delivery of user messages. The chat app gives each message a clientMessageId and
// sends it again after a dropped connection when it cannot tell whether the server got it; the
// repeat must not be stored or answered a second time.
//
// Two layers. The database keeps each id with its message (unique), so a repeat after a restart
// or a crash is recognised (`stored-repeat.ts`). This in-memory claim comes first: a repeat that
// arrives while the first copy is still being stored waits for it, and an id this run handled is
// answered from here, because while its turn runs the stored answer looks `interrupted`, just as
// one a crash cut, and the database alone would run the turn again. Ids are remembered for 24
// hours, at most 5,000 of them (the oldest go first); a repeat is matched by id alone, because
// the first copy may have created the conversation the repeat does not name.

export const CLIENT_ID_TTL_MS = 24 * 60 * 60 * 1000;
export const CLIENT_ID_MAX = 5_000;

/** Where the first copy of a message was stored. */
export interface StoredAt {
  conversationId: string;
  messageId: string;
}

interface Entry {
  /** Resolves once the first copy is stored, or to undefined when storing it failed (a repeat may then try again). */
  stored: Promise<StoredAt | undefined>;
  at: number;
}

export function createClientMessageIds(options: { ttlMs?: number; max?: number; now?: () => number } = {}) {
  const ttlMs = options.ttlMs ?? CLIENT_ID_TTL_MS;
  const max = options.max ?? CLIENT_ID_MAX;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: the first entries are the oldest.
  const entries = new Map<string, Entry>();

  const prune = () => {
    const cutoff = now() - ttlMs;
    for (const [id, e] of entries) {
      if (entries.size <= max && e.at >= cutoff) break;
      entries.delete(id);
    }
  };

  return {
    /**
     * Claims `id` for a message about to be stored. Returns undefined when it is new (call
     * `settle` when done), or the first copy's outcome when it is a repeat: where it was stored,
     * or undefined if that failed, in which case the repeat holds the claim now.
     */
    async claim(id: string): Promise<{ repeat: StoredAt } | { settle(result: StoredAt | undefined): void }> {
      prune();
      for (;;) {
        const existing = entries.get(id);
        if (!existing) break;
        const first = await existing.stored;
        if (first) return { repeat: first };
        // The first copy failed and dropped its entry; loop, in case another repeat claimed it meanwhile.
        if (entries.get(id) === existing) entries.delete(id);
      }
      let settle!: (result: StoredAt | undefined) => void;
      const entry: Entry = { stored: new Promise((resolve) => (settle = resolve)), at: now() };
      entries.set(id, entry);
      return {
        settle(result) {
          if (!result && entries.get(id) === entry) entries.delete(id);
          settle(result);
        },
      };
    },
    get size(): number {
      return entries.size;
    },
  };
}
export type ClientMessageIds = ReturnType<typeof createClientMessageIds>;
