import { FolderIcon } from './icons.tsx';

const parts = [
  ['client/src/', 'This page: React and Tailwind. Edits show up instantly.'],
  ['backend/routes/', 'Your API. A file here answers at /app/api/…'],
  ['backend/app.db', 'Your data, in SQLite, on your computer.'],
  ['files/', 'Photos, voice notes and documents you send in the chat.'],
];

export function HowItWorks() {
  return (
    <section id="how-it-works" className="mt-12 scroll-mt-6">
      <h2 className="text-sm font-semibold tracking-wide text-zinc-500 uppercase dark:text-zinc-400">How it works</h2>
      <div className="mt-4 rounded-3xl border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
        <p className="text-zinc-600 dark:text-zinc-300">
          Everything here lives in one folder on your computer, your <strong className="font-semibold">workspace</strong>.
          Fluxy reads and edits it when you ask; you can too.
        </p>
        <ul className="mt-4 grid gap-2 sm:grid-cols-2">
          {parts.map(([path, what]) => (
            <li key={path} className="flex gap-3 rounded-2xl bg-zinc-50 p-3 dark:bg-zinc-800/60">
              <FolderIcon className="mt-0.5 size-5 shrink-0 text-violet-500" />
              <span>
                <code className="font-mono text-sm font-medium">{path}</code>
                <span className="block text-sm text-zinc-600 dark:text-zinc-400">{what}</span>
              </span>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
