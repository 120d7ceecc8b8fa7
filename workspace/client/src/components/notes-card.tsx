// A working example of the full stack: this card talks to backend/routes/notes.ts, which keeps
// the notes in backend/app.db. Copy the pattern, or ask Fluxy to replace it.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { NoteIcon, XIcon } from './icons.tsx';

interface Note {
  id: number;
  text: string;
  created_at: string;
}

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`/app/api${path}`, {
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    ...init,
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `The backend answered ${res.status}`);
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export function NotesCard() {
  const [notes, setNotes] = useState<Note[] | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api<{ notes: Note[] }>('/notes')
      .then((r) => {
        setNotes(r.notes);
        setError(null);
      })
      .catch((err: Error) => setError(err.message));
  }, []);
  useEffect(load, [load]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    try {
      const { note } = await api<{ note: Note }>('/notes', { method: 'POST', body: JSON.stringify({ text }) });
      setNotes((prev) => [note, ...(prev ?? [])]);
      setText('');
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const remove = async (id: number) => {
    setNotes((prev) => prev?.filter((n) => n.id !== id) ?? null);
    await api(`/notes/${id}`, { method: 'DELETE' }).catch(load);
  };

  return (
    <article className="rounded-3xl border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
      <div className="flex items-center gap-3">
        <span className="grid size-9 place-items-center rounded-xl bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
          <NoteIcon />
        </span>
        <h2 className="font-semibold">Quick notes</h2>
        <span className="ml-auto text-xs text-zinc-500 dark:text-zinc-400">saved in app.db</span>
      </div>
      <form onSubmit={add} className="mt-4 flex gap-2">
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Write something down…"
          aria-label="New note"
          maxLength={2000}
          className="min-w-0 flex-1 rounded-xl border border-zinc-200 bg-zinc-50 px-3.5 py-2.5 text-base outline-none placeholder:text-zinc-400 focus:border-violet-400 focus:ring-4 focus:ring-violet-500/15 sm:text-sm dark:border-zinc-700 dark:bg-zinc-800/60"
        />
        <button
          type="submit"
          className="rounded-xl bg-zinc-900 px-4 text-sm font-medium text-white hover:bg-zinc-700 dark:bg-white dark:text-zinc-900 dark:hover:bg-zinc-200"
        >
          Add
        </button>
      </form>
      {error && <p className="mt-3 text-sm text-rose-600 dark:text-rose-400">{error}</p>}
      <ul className="mt-3 divide-y divide-zinc-100 dark:divide-zinc-800">
        {notes?.length === 0 && (
          <li className="py-3 text-sm text-zinc-500 dark:text-zinc-400">No notes yet. They survive restarts.</li>
        )}
        {notes?.slice(0, 5).map((note) => (
          <li key={note.id} className="group flex items-start gap-2 py-2.5">
            <span className="min-w-0 flex-1 text-sm break-words">{note.text}</span>
            <button
              type="button"
              onClick={() => remove(note.id)}
              aria-label="Delete note"
              className="rounded-lg p-1 text-zinc-400 hover:bg-zinc-100 hover:text-zinc-700 dark:hover:bg-zinc-800 dark:hover:text-zinc-200"
            >
              <XIcon className="size-4" />
            </button>
          </li>
        ))}
      </ul>
    </article>
  );
}
