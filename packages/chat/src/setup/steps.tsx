// The wizard's steps. Each validates its own fields and shows problems in the same error box.
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { framed, loginUrl, tellParent } from '../api.ts';
import { Icon } from '../ui/icons.tsx';
import { ErrorBox, PasswordField, TextField } from '../ui/password-field.tsx';
import { canKeepKey, DEFAULT_MODEL, MODELS, type Provider, type StepProps, saveSettings } from './wizard-state.ts';

function Step(props: { title: string; lead?: ReactNode; error?: string; onSubmit: () => void; back?: () => void; submitLabel?: string; busy?: boolean; children?: ReactNode }) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSubmit();
  };
  return (
    <form onSubmit={submit} noValidate>
      <h1 tabIndex={-1}>{props.title}</h1>
      {props.lead && <p className="lead">{props.lead}</p>}
      <ErrorBox message={props.error ?? ''} />
      {props.children}
      <div className="row">
        {props.back && (
          <button className="btn btn-ghost" type="button" onClick={props.back}>
            Back
          </button>
        )}
        <button className="btn btn-primary" type="submit" disabled={props.busy}>
          {props.submitLabel ?? 'Continue'}
        </button>
      </div>
    </form>
  );
}

function Choice(props: { name: string; value: string; checked: boolean; onChange: () => void; title: string; blurb: string }) {
  return (
    <label className="choice">
      <input type="radio" name={props.name} value={props.value} checked={props.checked} onChange={props.onChange} />
      <span>
        <b>{props.title}</b>
        <small>{props.blurb}</small>
      </span>
    </label>
  );
}

export function WelcomeStep({ status, next }: StepProps) {
  return (
    <Step title="Meet Fluxy" onSubmit={next} submitLabel="Get started" lead="Your own AI agent, running on this computer. It builds and changes your app while you talk to it from your phone.">
      {status.configured && <div className="alert alert-info">Fluxy is already set up. Fields you leave empty keep their current values.</div>}
      <ul className="bullets">
        <li>Pick the AI model Fluxy thinks with.</li>
        <li>Choose a password to reach Fluxy from anywhere.</li>
        <li>Optionally, turn on voice messages.</li>
      </ul>
    </Step>
  );
}

const PROVIDERS: [Provider, string, string][] = [
  ['anthropic', 'Claude', 'Anthropic: full agent with tools'],
  ['openai', 'GPT', 'OpenAI, or a compatible server'],
  ['ollama', 'Local', 'Ollama on this computer'],
];

export function ProviderStep({ state, update, next, back }: StepProps) {
  const labelId = useId();
  return (
    <Step title="Choose a provider" lead="Which AI should power Fluxy? You can change this later." onSubmit={next} back={back}>
      <div className="choices" role="radiogroup" aria-labelledby={labelId}>
        <p className="label" id={labelId}>
          Provider
        </p>
        {PROVIDERS.map(([id, title, blurb]) => (
          <Choice key={id} name="provider" value={id} title={title} blurb={blurb} checked={state.provider === id} onChange={() => update({ provider: id, model: DEFAULT_MODEL[id] })} />
        ))}
      </div>
    </Step>
  );
}

export function ModelStep({ state, update, next, back }: StepProps) {
  const labelId = useId();
  const [error, setError] = useState('');
  const models = MODELS[state.provider];
  const listed = models.some(([id]) => id === state.model);
  const [other, setOther] = useState(listed ? '' : state.model);
  const submit = () => {
    const model = listed ? state.model : other.trim();
    if (!model) return setError('Type the name of the model to use.');
    update({ model });
    next();
  };
  return (
    <Step title="Choose a model" lead="The model Fluxy thinks with. Bigger models are smarter and slower." onSubmit={submit} back={back} error={error}>
      {models.length > 0 && (
        <div className="choices" role="radiogroup" aria-labelledby={labelId}>
          <p className="label" id={labelId}>
            Model
          </p>
          {models.map(([id, title, blurb]) => (
            <Choice key={id} name="model" value={id} title={title} blurb={blurb} checked={state.model === id} onChange={() => update({ model: id })} />
          ))}
        </div>
      )}
      <TextField
        label={models.length ? 'Another model' : 'Model name'}
        optional={models.length > 0}
        value={other}
        placeholder={models.length ? 'a model name your server offers' : 'llama3.2'}
        hint={state.provider === 'ollama' ? 'Any model you have pulled with ollama pull.' : 'Typing a name here uses it instead of the choices above.'}
        onChange={(v) => {
          setOther(v);
          setError('');
          update({ model: v.trim() || (models[0]?.[0] ?? '') });
        }}
      />
    </Step>
  );
}

const KEY_TEXT: Record<Provider, [title: string, lead: string, placeholder: string, baseUrl: string]> = {
  anthropic: ['Connect Claude', 'Paste an API key from console.anthropic.com, under API keys. It starts with sk-ant-.', 'sk-ant-…', 'https://api.anthropic.com'],
  openai: ['Connect OpenAI', 'Paste an API key from platform.openai.com, under API keys. It starts with sk-.', 'sk-…', 'https://api.openai.com/v1'],
  ollama: ['Where is Ollama?', 'Fluxy talks to Ollama on this computer. Change the address only if it runs elsewhere.', '', 'http://127.0.0.1:11434'],
};

export function AuthStep({ state, update, status, next, back }: StepProps) {
  const [error, setError] = useState('');
  const [title, lead, placeholder, baseUrlPlaceholder] = KEY_TEXT[state.provider];
  const keep = canKeepKey(state, status);
  const ollama = state.provider === 'ollama';
  const submit = () => {
    if (!ollama && !state.apiKey.trim() && !keep) return setError('Paste your API key to continue.');
    const baseUrl = state.baseUrl.trim();
    if (baseUrl && !/^https?:\/\/\S+$/i.test(baseUrl)) return setError('The address must start with http:// or https://');
    next();
  };
  const baseUrlField = (
    <TextField
      label={ollama ? 'Ollama address' : 'API address'}
      optional
      type="url"
      inputMode="url"
      value={state.baseUrl}
      placeholder={baseUrlPlaceholder}
      hint={ollama ? 'Leave empty for Ollama on this computer.' : 'Only for a proxy or a compatible server.'}
      onChange={(v) => update({ baseUrl: v })}
    />
  );
  return (
    <Step title={title} lead={lead} onSubmit={submit} back={back} error={error}>
      {!ollama && (
        <PasswordField
          label="API key"
          value={state.apiKey}
          placeholder={keep ? 'leave empty to keep the saved key' : placeholder}
          hint={keep ? 'A key is saved already; leave this empty to keep it.' : undefined}
          autoComplete="off"
          invalid={!!error}
          onChange={(v) => {
            setError('');
            update({ apiKey: v });
          }}
        />
      )}
      {ollama ? (
        baseUrlField
      ) : (
        <details open={!!state.baseUrl}>
          <summary>Advanced: custom API address</summary>
          {baseUrlField}
        </details>
      )}
    </Step>
  );
}

export function PortalStep({ state, update, status, next, back }: StepProps) {
  const [error, setError] = useState('');
  const changing = status.hasPassword;
  const submit = () => {
    if (!changing || state.password || state.password2) {
      if (state.password.length < 8) return setError('Use at least 8 characters for the password.');
      if (state.password !== state.password2) return setError('The two passwords differ.');
      if (changing && !state.currentPassword) return setError('Enter your current password to set a new one.');
    }
    next();
  };
  const set = (change: Parameters<typeof update>[0]) => {
    setError('');
    update(change);
  };
  return (
    <Step
      title={changing ? 'Your password' : 'Protect your Fluxy'}
      lead={changing ? 'Leave the password fields empty to keep your current password.' : 'You will sign in with this from your phone. Anyone with it can use your agent, so make it strong.'}
      onSubmit={submit}
      back={back}
      error={error}
    >
      <TextField label="Username" optional value={state.username} autoComplete="username" onChange={(v) => set({ username: v })} />
      {changing && <PasswordField label="Current password" value={state.currentPassword} autoComplete="current-password" onChange={(v) => set({ currentPassword: v })} />}
      <PasswordField label={changing ? 'New password' : 'Password'} hint="At least 8 characters." value={state.password} autoComplete="new-password" onChange={(v) => set({ password: v })} />
      <PasswordField label={changing ? 'New password again' : 'Password again'} value={state.password2} autoComplete="new-password" onChange={(v) => set({ password2: v })} />
    </Step>
  );
}

export function WhisperStep({ state, update, status, next, back }: StepProps) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const reuse = state.provider === 'openai' && state.reuseOpenAiKey;
  const save = async () => {
    setBusy(true);
    setError('');
    const res = await saveSettings(state, status);
    setBusy(false);
    if (res.ok) return next();
    if (res.status === 401) {
      setError('Your session has expired. Sign in again to finish.');
      setTimeout(() => location.assign(loginUrl('/fluxy/setup')), 1500);
      return;
    }
    setError(res.error.message);
  };
  return (
    <Step title="Voice messages" lead="Optional. With an OpenAI key, Fluxy turns your voice notes into text (Whisper). Skip it if you only type." onSubmit={save} back={back} error={error} busy={busy} submitLabel={busy ? 'Saving…' : 'Finish setup'}>
      {state.provider === 'openai' && (
        <label className="check">
          <input type="checkbox" checked={state.reuseOpenAiKey} onChange={(e) => update({ reuseOpenAiKey: e.target.checked })} /> Use my OpenAI key from before
        </label>
      )}
      {!reuse && (
        <PasswordField
          label="Whisper key"
          value={state.whisperKey}
          placeholder={status.hasWhisperKey ? 'leave empty to keep the saved key' : 'sk-…'}
          hint="An OpenAI API key. Optional."
          autoComplete="off"
          onChange={(v) => update({ whisperKey: v })}
        />
      )}
    </Step>
  );
}

export function DoneStep() {
  const open = () => {
    if (framed) tellParent({ type: 'fluxy:onboard-complete' });
    else location.assign('/');
  };
  return (
    <div className="center">
      <div className="hero-icon ok">
        <Icon name="check" size={28} />
      </div>
      <h1 tabIndex={-1}>Fluxy is ready</h1>
      <p className="lead">Tap the bubble in the corner of your app to start chatting. Ask for anything: a habit tracker, a budget, a family calendar.</p>
      <button className="btn btn-primary btn-block" type="button" onClick={open}>
        Open my app
      </button>
    </div>
  );
}
