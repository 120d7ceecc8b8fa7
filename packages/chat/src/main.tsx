import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { ChatApp } from './chat/chat-app.tsx';
import { LoginPage } from './login.tsx';
import { ErrorBoundary } from './ui/error-boundary.tsx';
import './styles.css';
import './chat/chat.css';

// The wizard is opened once or twice in a bot's life: its code loads only on /fluxy/setup.
const Wizard = lazy(() => import('./setup/wizard.tsx').then((m) => ({ default: m.Wizard })));

function route() {
  const path = location.pathname.replace(/\/+$/, '');
  if (path === '/fluxy/login') return <LoginPage />;
  if (path === '/fluxy/setup')
    return (
      <Suspense fallback={null}>
        <Wizard />
      </Suspense>
    );
  return <ChatApp />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>{route()}</ErrorBoundary>
  </StrictMode>,
);
