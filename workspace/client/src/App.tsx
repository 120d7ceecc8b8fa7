// The app's root. Put your pages inside <ErrorBoundary> (replace <Home /> freely).
// Keep the three Fluxy parts: the ErrorBoundary (a crash shows a card instead of a blank page),
// the RebuildOverlay (shown while the app reloads after an edit) and the OnboardingFrame
// (Fluxy's first-run setup). They are what lets the chat fix this app when it breaks.
import Home from './components/home.tsx';
import { ErrorBoundary } from './fluxy/error-boundary.tsx';
import { OnboardingFrame } from './fluxy/onboarding-frame.tsx';
import { RebuildOverlay } from './fluxy/rebuild-overlay.tsx';

export default function App() {
  return (
    <>
      <ErrorBoundary>
        <Home />
      </ErrorBoundary>
      <RebuildOverlay />
      <OnboardingFrame />
    </>
  );
}
