import { openChat } from '../fluxy/chat.ts';
import { ChatIcon } from './icons.tsx';

export function WelcomeHero() {
  return (
    <section className="pt-8 sm:pt-14">
      <p className="inline-flex items-center gap-2 rounded-full bg-violet-100 px-3 py-1 text-xs font-medium text-violet-700 dark:bg-violet-500/15 dark:text-violet-300">
        <span className="size-1.5 rounded-full bg-violet-500" />
        Your workspace is ready
      </p>
      <h1 className="mt-4 text-4xl font-semibold tracking-tight text-balance sm:text-5xl">
        This app is yours.
        <span className="block bg-gradient-to-r from-violet-600 to-sky-500 bg-clip-text text-transparent dark:from-violet-400 dark:to-sky-400">
          Fluxy can change anything.
        </span>
      </h1>
      <p className="mt-4 max-w-2xl text-lg text-pretty text-zinc-600 dark:text-zinc-300">
        A real app with a database, running on your own computer. Tell Fluxy what you need, from your phone or
        here, and watch this page turn into it.
      </p>
      <div className="mt-7 flex flex-wrap gap-3">
        <button
          type="button"
          onClick={() => openChat()}
          className="inline-flex items-center gap-2 rounded-2xl bg-violet-600 px-5 py-3 font-medium text-white shadow-lg shadow-violet-600/25 transition hover:bg-violet-500 active:scale-[0.98]"
        >
          <ChatIcon />
          Chat with Fluxy
        </button>
        <a
          href="#how-it-works"
          className="inline-flex items-center rounded-2xl border border-zinc-200 bg-white/70 px-5 py-3 font-medium transition hover:bg-white dark:border-zinc-800 dark:bg-zinc-900/70 dark:hover:bg-zinc-900"
        >
          How it works
        </a>
      </div>
    </section>
  );
}
