// The setup wizard (/fluxy/setup). Opened from the one-time link (/fluxy/setup#<token>) or, signed
// in, from the dashboard's onboarding overlay or the chat. Saves everything with one POST /api/onboard.
import { useEffect, useState } from 'react';
import { api, loginUrl, type OnboardStatus } from '../api.ts';
import { Brand } from '../ui/brand.tsx';
import { AuthStep, DoneStep, ModelStep, PortalStep, ProviderStep, WelcomeStep, WhisperStep } from './steps.tsx';
import { DEFAULT_MODEL, type Provider, type WizardState } from './wizard-state.ts';

type Phase = { kind: 'connecting'; text: string } | { kind: 'link-error' } | { kind: 'steps'; status: OnboardStatus };
const STEPS = ['welcome', 'provider', 'model', 'auth', 'portal', 'whisper', 'done'] as const;
export type StepName = (typeof STEPS)[number];

function initialState(status: OnboardStatus): WizardState {
  const provider = (['anthropic', 'openai', 'ollama'].includes(status.provider ?? '') ? status.provider : 'anthropic') as Provider;
  return {
    provider,
    model: status.model ?? DEFAULT_MODEL[provider],
    apiKey: '',
    baseUrl: '',
    username: status.username ?? '',
    password: '',
    password2: '',
    currentPassword: '',
    whisperKey: '',
    reuseOpenAiKey: true,
  };
}

async function openWizard(): Promise<Phase> {
  const token = location.hash.slice(1);
  if (token) {
    // Take the one-time token out of the address bar and history before anything else.
    history.replaceState(null, '', location.pathname + location.search);
    const res = await api('/api/portal/setup-token', { method: 'POST', body: { token: decodeURIComponent(token) } });
    if (!res.ok && res.status !== 401) return { kind: 'connecting', text: res.error.message };
    if (!res.ok) {
      // A used link, but this browser may already be signed in from the first visit.
      const session = await api<{ signedIn: boolean }>('/api/portal/session');
      if (!session.ok || !session.data.signedIn) return { kind: 'link-error' };
    }
  } else {
    const session = await api<{ signedIn: boolean }>('/api/portal/session');
    if (session.ok && !session.data.signedIn) {
      location.replace(loginUrl('/fluxy/setup'));
      return { kind: 'connecting', text: 'Opening the sign-in page…' };
    }
  }
  const status = await api<OnboardStatus>('/api/onboard/status');
  if (!status.ok) return { kind: 'connecting', text: status.error.message };
  return { kind: 'steps', status: status.data };
}

export function Wizard() {
  const [phase, setPhase] = useState<Phase>({ kind: 'connecting', text: 'Opening your setup…' });
  const [step, setStep] = useState<StepName>('welcome');
  const [state, setState] = useState<WizardState | null>(null);

  useEffect(() => {
    openWizard().then((p) => {
      if (p.kind === 'steps') setState(initialState(p.status));
      setPhase(p);
    });
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each new step
  useEffect(() => {
    window.scrollTo(0, 0);
    // The step's heading takes the focus, so a screen reader announces the new step.
    document.querySelector<HTMLElement>('.card h1')?.focus({ preventScroll: true });
  }, [step]);

  if (phase.kind === 'connecting') {
    return (
      <main className="shell">
        <Brand />
        <div className="card center">
          <div className="spinner spinner-lg" />
          <p className="muted">{phase.text}</p>
        </div>
      </main>
    );
  }
  if (phase.kind === 'link-error') {
    return (
      <main className="shell">
        <Brand />
        <div className="card">
          <h1>This setup link has expired</h1>
          <p className="lead">
            Setup links work once. If you already set a password, sign in with it. If not, stop and start Fluxy on your computer to get a new link.
          </p>
          <a className="btn btn-primary btn-block" href={loginUrl('/fluxy/setup')}>
            Sign in
          </a>
        </div>
      </main>
    );
  }
  if (!state) return null;

  const status = phase.status;
  const index = STEPS.indexOf(step);
  const go = (to: StepName) => setStep(to);
  const next = () => go(STEPS[Math.min(STEPS.length - 1, index + 1)]!);
  const back = () => go(STEPS[Math.max(0, index - 1)]!);
  const update = (change: Partial<WizardState>) => setState({ ...state, ...change });
  const shown = STEPS.length - 1;
  const props = { state, update, status, next, back };

  return (
    <main className="shell">
      <Brand />
      <div className="card">
        {step !== 'done' && (
          <div className="progress" aria-hidden="true">
            <div className="progress-bar">
              <i style={{ width: `${((index + 1) / shown) * 100}%` }} />
            </div>
            <small>
              Step {index + 1} of {shown}
            </small>
          </div>
        )}
        {step === 'welcome' && <WelcomeStep {...props} />}
        {step === 'provider' && <ProviderStep {...props} />}
        {step === 'model' && <ModelStep {...props} />}
        {step === 'auth' && <AuthStep {...props} />}
        {step === 'portal' && <PortalStep {...props} />}
        {step === 'whisper' && <WhisperStep {...props} />}
        {step === 'done' && <DoneStep />}
      </div>
    </main>
  );
}
