// The sign-in screen (/fluxy/login). Checks the session with an endpoint that never answers 401,
// so a visit leaves no error in the console.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, loginUrl, safeNext, sessionInfo } from './api.ts';
import { Brand } from './ui/brand.tsx';
import { ErrorBox, PasswordField, TextField } from './ui/password-field.tsx';

export function LoginPage() {
  const next = safeNext(new URLSearchParams(location.search).get('next'));
  const [hasAccount, setHasAccount] = useState<boolean | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [cooldown, setCooldown] = useState(0);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    sessionInfo().then((res) => {
      if (res.ok && res.data.signedIn) location.replace(next);
      else setHasAccount(res.ok ? res.data.hasAccount : true);
    });
  }, [next]);

  useEffect(() => {
    if (cooldown <= 0) return;
    setError(`Too many attempts. Try again in ${cooldown} s.`);
    const timer = setTimeout(() => {
      setCooldown(cooldown - 1);
      if (cooldown === 1) setError('');
    }, 1000);
    return () => clearTimeout(timer);
  }, [cooldown]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!password) {
      setError('Enter your password.');
      passwordRef.current?.focus();
      return;
    }
    setBusy(true);
    setError('');
    const body: { password: string; username?: string } = { password };
    if (username.trim()) body.username = username.trim();
    const res = await api('/api/portal/login', { method: 'POST', body });
    if (res.ok) {
      location.replace(next);
      return;
    }
    setBusy(false);
    if (res.status === 429) setCooldown(res.retryAfter ?? 30);
    else if (res.status === 403 && res.error.code === 'setup_required') setHasAccount(false);
    else {
      setError(res.status === 401 ? 'Wrong username or password.' : res.error.message);
      passwordRef.current?.select();
    }
  };

  if (hasAccount === false) {
    return (
      <main className="shell">
        <Brand />
        <div className="card">
          <h1>Fluxy is not set up yet</h1>
          <p className="lead">
            Open the setup link that fluxy start printed on your computer, or run fluxy setup there. Then come back here to sign in.
          </p>
          <a className="btn btn-primary btn-block" href={loginUrl(next)}>
            Check again
          </a>
        </div>
      </main>
    );
  }

  return (
    <main className="shell">
      <Brand />
      <div className="card">
        <h1>{hasAccount === null ? 'Sign in' : 'Welcome back'}</h1>
        <p className="lead">Sign in to reach your agent and your app.</p>
        <form onSubmit={submit} noValidate>
          <ErrorBox message={error} />
          <TextField label="Username" optional value={username} onChange={setUsername} autoComplete="username" />
          <PasswordField label="Password" value={password} onChange={setPassword} autoComplete="current-password" inputRef={passwordRef} invalid={!!error} />
          <button className="btn btn-primary btn-block" type="submit" disabled={busy || cooldown > 0}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
      <p className="foot">First time here? Open the setup link that Fluxy printed on your computer when it started.</p>
    </main>
  );
}
