// Catches render crashes so a broken edit shows a card, not a blank page. It retries on the
// next hot update: once the agent fixes the file, the page comes back by itself.
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { openChat } from './chat.ts';
import { onHmrEvent } from './hmr-events.ts';

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };
  private unsubscribe?: () => void;

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('[app] crashed:', error, info.componentStack);
  }

  override componentDidMount() {
    this.unsubscribe = onHmrEvent((event) => {
      if (this.state.error && (event === 'after-update' || event === 'files-changed')) this.reset();
    });
  }

  override componentWillUnmount() {
    this.unsubscribe?.();
  }

  reset = () => this.setState({ error: null });

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="flex min-h-dvh items-center justify-center p-4 pb-28">
        <div
          role="alert"
          className="w-full max-w-lg rounded-3xl border border-amber-300/60 bg-white p-6 shadow-xl shadow-amber-900/5 dark:border-amber-400/20 dark:bg-zinc-900"
        >
          <div className="flex items-center gap-3">
            <span className="grid size-10 shrink-0 place-items-center rounded-2xl bg-amber-100 text-xl font-bold text-amber-700 dark:bg-amber-400/15 dark:text-amber-300">
              !
            </span>
            <h1 className="text-lg font-semibold">This page hit an error</h1>
          </div>
          <p className="mt-4 text-zinc-600 dark:text-zinc-300">
            The chat still works: ask Fluxy to fix it. This page comes back by itself once the code is fixed.
          </p>
          <pre className="mt-4 max-h-48 overflow-auto rounded-xl bg-zinc-100 p-3 text-xs leading-relaxed whitespace-pre-wrap text-zinc-800 dark:bg-black/40 dark:text-zinc-200">
            {error.message || String(error)}
          </pre>
          <div className="mt-5 flex flex-wrap gap-2">
            <button
              type="button"
              onClick={() => openChat(`My dashboard crashed with this error, please fix it:\n${error.message}`)}
              className="rounded-xl bg-violet-600 px-4 py-2.5 text-sm font-medium text-white hover:bg-violet-500"
            >
              Ask Fluxy to fix it
            </button>
            <button
              type="button"
              onClick={this.reset}
              className="rounded-xl border border-zinc-200 px-4 py-2.5 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
            >
              Try again
            </button>
          </div>
        </div>
      </div>
    );
  }
}
