// The starting page. It is only a starting point: ask Fluxy to replace it with your own app.
import { BackendStatus } from './backend-status.tsx';
import { HowItWorks } from './how-it-works.tsx';
import { IdeaCards } from './idea-cards.tsx';
import { Logo } from './logo.tsx';
import { NotesCard } from './notes-card.tsx';
import { WelcomeHero } from './welcome-hero.tsx';

export default function Home() {
  return (
    <div className="relative isolate min-h-dvh overflow-x-hidden">
      {/* soft color wash behind the hero */}
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-x-0 top-0 -z-10 h-[28rem] bg-[radial-gradient(60%_60%_at_20%_0%,rgba(139,92,246,0.18),transparent),radial-gradient(50%_50%_at_90%_10%,rgba(56,189,248,0.14),transparent)]"
      />
      <div className="mx-auto max-w-5xl px-4 pt-[max(1rem,env(safe-area-inset-top))] pb-32 sm:px-6">
        <header className="flex items-center gap-2.5 py-3">
          <Logo className="size-8" />
          <span className="font-semibold tracking-tight">My App</span>
          <span className="ml-auto rounded-full border border-zinc-200 bg-white/70 px-2.5 py-1 text-xs text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900/70 dark:text-zinc-400">
            running on your computer
          </span>
        </header>

        <WelcomeHero />

        <section className="mt-12">
          <h2 className="text-sm font-semibold tracking-wide text-zinc-500 uppercase dark:text-zinc-400">
            Try asking Fluxy
          </h2>
          <IdeaCards />
        </section>

        <section className="mt-12 grid gap-4 md:grid-cols-2">
          <BackendStatus />
          <NotesCard />
        </section>

        <HowItWorks />
      </div>
    </div>
  );
}
