// Entry point. The outer ErrorBoundary catches a crash in App.tsx itself; App has its own
// boundary around the pages so Fluxy's overlays keep working when a page breaks.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App.tsx';
import { ErrorBoundary } from './fluxy/error-boundary.tsx';
import './index.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lost its <div id="root">');

createRoot(root).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
