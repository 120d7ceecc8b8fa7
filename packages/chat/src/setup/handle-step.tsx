// The wizard's Handle step, shown only when a relay is configured. The name is checked at the relay
// as the user types; it is registered at the end of the wizard, once the portal password is saved
// (the worker refuses a handle before one exists: the public address would lead to an open setup).
import { HANDLE_PATTERN, type HandleAvailability, type HandleInfo, type HandleUnavailableReason, type RelayTier } from '@fluxy/protocol';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { type ApiResult, api } from '../api.ts';
import { TextField } from '../ui/password-field.tsx';
import { Choice, Step } from './steps.tsx';
import { registerHandle, type StepProps } from './wizard-state.ts';

/** Wait this long after the last keystroke before asking the relay (it limits checks per address). */
const CHECK_DELAY_MS = 300;

type Check =
  | { kind: 'idle' }
  | { kind: 'checking'; name: string }
  | { kind: 'held'; name: string; host: string | null }
  | { kind: 'available'; name: string; host: string | null }
  | { kind: 'unavailable'; name: string; reason: HandleUnavailableReason; host: string | null }
  | { kind: 'error'; name: string; message: string };

const REASONS: Record<HandleUnavailableReason, string> = {
  taken: 'is taken. Try another name.',
  invalid: 'is not a valid handle: use 3–32 lowercase letters, digits and hyphens (not at either end).',
  reserved: 'is reserved. Try another name.',
  cooling_off: 'was given up recently and is cooling off: it cannot be claimed yet. Try another name.',
  entitlement_required: 'needs a premium entitlement from the relay\'s operator.',
};

/** The host part of `https://NAME.my.D`. */
function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

type Answers = Record<RelayTier, Check>;
const both = (check: Check): Answers => ({ free: check, premium: check });

function toCheck(name: string, res: ApiResult<HandleAvailability>): Check {
  if (!res.ok) return { kind: 'error', name, message: res.error.message };
  const host = res.data.host ?? null;
  return res.data.available ? { kind: 'available', name, host } : { kind: 'unavailable', name, reason: res.data.reason ?? 'taken', host };
}

/**
 * Checks `name` at the relay for both tiers, debounced; a reply to an older keystroke is ignored.
 * Premium is offered only where the relay's operator granted it for the name.
 */
function useHandleCheck(name: string, info: HandleInfo | null): Answers {
  const [answers, setAnswers] = useState<Answers>(both({ kind: 'idle' }));
  const latest = useRef(0);
  useEffect(() => {
    const seq = ++latest.current;
    if (!name) return setAnswers(both({ kind: 'idle' }));
    if (name === info?.handle) return setAnswers(both({ kind: 'held', name, host: hostOf(info.publicUrl) }));
    // The shape is checked here too, so a half-typed name costs no request.
    if (!HANDLE_PATTERN.test(name)) return setAnswers(both({ kind: 'unavailable', name, reason: 'invalid', host: null }));
    setAnswers(both({ kind: 'checking', name }));
    const timer = setTimeout(async () => {
      const ask = (tier: RelayTier) => api<HandleAvailability>(`/api/handle/check?name=${encodeURIComponent(name)}&tier=${tier}`);
      const [free, premium] = await Promise.all([ask('free'), ask('premium')]);
      if (seq !== latest.current) return;
      setAnswers({ free: toCheck(name, free), premium: toCheck(name, premium) });
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [name, info]);
  return answers;
}

function describe(check: Check): string {
  switch (check.kind) {
    case 'idle':
      return '';
    case 'checking':
      return `Checking ${check.name}…`;
    case 'held':
      return `${check.name} is your handle${check.host ? `: ${check.host}` : ''}.`;
    case 'available':
      return `${check.name} is available${check.host ? `: your address will be ${check.host}` : ''}.`;
    case 'unavailable':
      return `${check.host ?? check.name} ${REASONS[check.reason]}`;
    case 'error':
      return `Could not check ${check.name}: ${check.message}`;
  }
}

/** The address in bold: it is what the user will type on their phone. */
function withHost(text: string, host: string | null): ReactNode {
  const at = host ? text.indexOf(host) : -1;
  if (!host || at === -1) return text;
  return (
    <>
      {text.slice(0, at)}
      <b>{host}</b>
      {text.slice(at + host.length)}
    </>
  );
}

/** `saved`: the settings are saved already (back here after a refused registration): register at once. */
export function HandleStep(props: StepProps & { saved: boolean }) {
  const { state, update, status, next, back, handleInfo, finished, saved } = props;
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const name = state.handle.trim().toLowerCase();
  const answers = useHandleCheck(name, handleInfo);
  const check = answers[state.tier];
  const tierLabel = useId();
  // The held name keeps its tier; another name may be premium where the operator granted it.
  // Once shown, the choice stays (picking Free must not make it vanish under the pointer).
  const offered = answers.premium.kind === 'available' || state.tier === 'premium';
  const [tierSeen, setTierSeen] = useState(false);
  if (offered && !tierSeen) setTierSeen(true);
  const tiers = answers.free.kind !== 'held' && (offered || tierSeen);
  const text = describe(check);
  const good = check.kind === 'available' || check.kind === 'held';

  const submit = async () => {
    if (name && !good) {
      if (check.kind === 'checking') return setError('Still checking this name; try again in a moment.');
      return setError(`${text} Or leave the field empty to skip.`);
    }
    if (!saved) return next();
    setBusy(true);
    const outcome = await registerHandle(state, handleInfo);
    setBusy(false);
    if (outcome && !outcome.ok) return setError(outcome.message);
    finished(status, outcome);
  };

  return (
    <Step
      title="Pick your handle"
      lead="Optional. Your handle is a permanent address for reaching Fluxy from anywhere. It is registered when you finish setup."
      onSubmit={submit}
      back={saved ? undefined : back}
      error={error}
      busy={busy}
      submitLabel={!name ? 'Skip' : saved ? (busy ? 'Registering…' : 'Register handle') : 'Continue'}
    >
      <TextField
        label="Handle"
        optional
        value={state.handle}
        placeholder="yourname"
        hint="3–32 lowercase letters, digits and hyphens."
        invalid={check.kind === 'unavailable'}
        onChange={(v) => {
          setError('');
          update({ handle: v.toLowerCase() });
        }}
      />
      {tiers && (
        <div className="choices" role="radiogroup" aria-labelledby={tierLabel}>
          <p className="label" id={tierLabel}>
            Kind of address
          </p>
          <Choice name="tier" value="free" title="Free" blurb={answers.free.kind === 'available' && answers.free.host ? answers.free.host : 'NAME.my.DOMAIN'} checked={state.tier === 'free'} onChange={() => update({ tier: 'free' })} />
          <Choice name="tier" value="premium" title="Premium" blurb={answers.premium.kind === 'available' && answers.premium.host ? answers.premium.host : 'NAME.DOMAIN, granted by the relay\'s operator'} checked={state.tier === 'premium'} onChange={() => update({ tier: 'premium' })} />
        </div>
      )}
      <p className={`handle-check handle-check-${check.kind}`} role="status" aria-live="polite">
        {withHost(text, 'host' in check ? check.host : null)}
      </p>
    </Step>
  );
}
