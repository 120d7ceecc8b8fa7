// Example requests. Tapping one opens the chat with the request as a draft.
import type { ReactNode } from 'react';
import { openChat } from '../fluxy/chat.ts';
import { BookIcon, CheckIcon, ListIcon, PulseIcon, SunIcon, WalletIcon } from './icons.tsx';

const ideas: { icon: ReactNode; title: string; prompt: string; tint: string }[] = [
  {
    icon: <CheckIcon />,
    title: 'Habit tracker',
    prompt: 'Add a habit tracker with daily check-offs and a streak for each habit.',
    tint: 'bg-emerald-100 text-emerald-700 dark:bg-emerald-500/15 dark:text-emerald-300',
  },
  {
    icon: <WalletIcon />,
    title: 'Budget',
    prompt: 'Make a monthly budget page where I log expenses by category and see what is left.',
    tint: 'bg-amber-100 text-amber-700 dark:bg-amber-500/15 dark:text-amber-300',
  },
  {
    icon: <ListIcon />,
    title: 'Family to-dos',
    prompt: 'Build a shared to-do list for the family, with who does what and due dates.',
    tint: 'bg-sky-100 text-sky-700 dark:bg-sky-500/15 dark:text-sky-300',
  },
  {
    icon: <BookIcon />,
    title: 'Recipe book',
    prompt: 'Create a recipe book: save recipes with photos and search them by ingredient.',
    tint: 'bg-rose-100 text-rose-700 dark:bg-rose-500/15 dark:text-rose-300',
  },
  {
    icon: <PulseIcon />,
    title: 'Workout log',
    prompt: 'Add a workout log with sets and weights, and a chart of my progress.',
    tint: 'bg-violet-100 text-violet-700 dark:bg-violet-500/15 dark:text-violet-300',
  },
  {
    icon: <SunIcon />,
    title: 'Morning page',
    prompt: 'Make this page a morning dashboard: the date, my to-dos for today and a quote.',
    tint: 'bg-orange-100 text-orange-700 dark:bg-orange-500/15 dark:text-orange-300',
  },
];

export function IdeaCards() {
  return (
    <ul className="mt-4 grid grid-cols-2 gap-3 lg:grid-cols-3">
      {ideas.map((idea) => (
        <li key={idea.title}>
          <button
            type="button"
            onClick={() => openChat(idea.prompt)}
            className="group flex h-full w-full flex-col rounded-2xl border border-zinc-200 bg-white p-3.5 text-left sm:p-4 shadow-sm transition hover:-translate-y-0.5 hover:border-violet-300 hover:shadow-md active:translate-y-0 dark:border-zinc-800 dark:bg-zinc-900 dark:hover:border-violet-500/50"
          >
            <span className="flex flex-col gap-2.5 sm:flex-row sm:items-center sm:gap-3">
              <span className={`grid size-9 place-items-center rounded-xl ${idea.tint}`}>{idea.icon}</span>
              <span className="font-medium">{idea.title}</span>
            </span>
            <span className="mt-1.5 line-clamp-3 text-sm text-zinc-600 sm:mt-3 sm:line-clamp-none dark:text-zinc-400">
              “{idea.prompt}”
            </span>
            <span className="mt-auto hidden pt-3 text-xs font-medium text-violet-600 opacity-80 group-hover:opacity-100 sm:block dark:text-violet-400">
              Ask Fluxy →
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
