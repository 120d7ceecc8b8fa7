import { Component, type ReactNode } from 'react';

/**
 * Catches a rendering failure so the page shows what happened and a way out, instead of going
 * blank: the chat is what the user needs to ask for a fix when something else is broken.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error) {
    console.error('fluxy: the chat app failed to render', error);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="shell">
        <div className="card">
          <h1>Something went wrong</h1>
          <p className="alert" role="alert">
            {this.state.error.message || 'The chat app failed to show this screen.'}
          </p>
          <button type="button" className="btn btn-primary btn-block" onClick={() => location.reload()}>
            Reload
          </button>
        </div>
      </main>
    );
  }
}
