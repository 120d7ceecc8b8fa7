// /fluxy/: checks the session (without a 401) and the setup, then shows the chat.
import { useEffect, useState } from 'react';
import { api, framed, loginUrl, type OnboardStatus, sessionInfo, tellParent } from '../api.ts';
import { Brand } from '../ui/brand.tsx';
import { ChatView } from './chat-view.tsx';

type Phase = 'loading' | 'ready' | 'not-configured' | { error: string };

export function ChatApp() {
  const [phase, setPhase] = useState<Phase>('loading');

  useEffect(() => {
    (async () => {
      const session = await sessionInfo();
      if (session.ok && !session.data.signedIn) {
        location.replace(loginUrl('/fluxy/'));
        return;
      }
      const status = await api<OnboardStatus>('/api/onboard/status');
      if (!status.ok) return setPhase({ error: status.error.message });
      setPhase(status.data.configured ? 'ready' : 'not-configured');
    })();
  }, []);

  useEffect(() => {
    // Escape closes the panel the chat lives in.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) tellParent({ type: 'fluxy:close' });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const signOut = async () => {
    await api('/api/portal/logout', { method: 'POST' });
    location.replace(loginUrl('/fluxy/'));
  };

  if (phase === 'ready') return <ChatView onSignOut={signOut} />;
  return (
    <main className="shell">
      <Brand />
      <div className="card center">
        {phase === 'loading' && <div className="spinner spinner-lg" role="status" aria-label="Loading" />}
        {phase === 'not-configured' && (
          <>
            <h1>Almost there</h1>
            <p className="lead">Fluxy still needs a model and a password.</p>
            <a className="btn btn-primary btn-block" href="/fluxy/setup">
              Finish setup
            </a>
          </>
        )}
        {typeof phase === 'object' && (
          <p className="alert" role="alert">
            {phase.error}
          </p>
        )}
        {framed && phase !== 'loading' && (
          <button type="button" className="btn btn-ghost" onClick={() => tellParent({ type: 'fluxy:close' })}>
            Close
          </button>
        )}
      </div>
    </main>
  );
}
