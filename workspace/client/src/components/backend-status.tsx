// Live status of this app's backend (backend/index.ts), via GET /app/api/health.
import { useEffect, useState } from 'react';
import { ServerIcon } from './icons.tsx';

interface Health {
  ok: boolean;
  uptimeSeconds?: number;
  routes?: string[];
  failedRoutes?: { file: string; error: string }[];
}

type Status =
  | { state: 'checking' }
  | { state: 'up'; health: Health; ms: number }
  | { state: 'down'; reason: string };

function formatUptime(seconds = 0) {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

export function BackendStatus() {
  const [status, setStatus] = useState<Status>({ state: 'checking' });

  useEffect(() => {
    let cancelled = false;
    const check = async () => {
      const started = performance.now();
      try {
        const res = await fetch('/app/api/health', { credentials: 'same-origin', cache: 'no-store' });
        if (!res.ok) throw new Error(res.status === 401 ? 'You are signed out.' : `It answered ${res.status}.`);
        const health = (await res.json()) as Health;
        if (!cancelled) setStatus({ state: 'up', health, ms: Math.round(performance.now() - started) });
      } catch (err) {
        const reason = err instanceof TypeError ? 'It is not answering.' : (err as Error).message;
        if (!cancelled) setStatus({ state: 'down', reason });
      }
    };
    check();
    // Poll gently: the backend restarts after every edit and this card should notice.
    const timer = window.setInterval(check, 10_000);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, []);

  const dot =
    status.state === 'up'
      ? 'bg-emerald-500 shadow-[0_0_0_4px] shadow-emerald-500/20'
      : status.state === 'down'
        ? 'bg-rose-500 shadow-[0_0_0_4px] shadow-rose-500/20'
        : 'bg-zinc-400 animate-pulse';

  return (
    <article className="rounded-3xl border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
      <div className="flex items-center gap-3">
        <span className="grid size-9 place-items-center rounded-xl bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
          <ServerIcon />
        </span>
        <h2 className="font-semibold">Backend</h2>
        <span className={`ml-auto size-2.5 rounded-full ${dot}`} />
        <span className="text-sm text-zinc-500 dark:text-zinc-400">
          {status.state === 'up' ? 'Online' : status.state === 'down' ? 'Offline' : 'Checking…'}
        </span>
      </div>

      {status.state === 'up' && (
        <>
          <dl className="mt-5 grid grid-cols-3 gap-2 text-center">
            {[
              ['Response', `${status.ms} ms`],
              ['Up for', formatUptime(status.health.uptimeSeconds)],
              ['Routes', String(status.health.routes?.length ?? 0)],
            ].map(([label, value]) => (
              <div key={label} className="rounded-2xl bg-zinc-50 px-2 py-3 dark:bg-zinc-800/60">
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">{label}</dt>
                <dd className="mt-0.5 font-semibold tabular-nums">{value}</dd>
              </div>
            ))}
          </dl>
          {status.health.failedRoutes?.map((f) => (
            <p
              key={f.file}
              className="mt-3 rounded-xl bg-amber-50 p-3 text-sm text-amber-800 dark:bg-amber-400/10 dark:text-amber-200"
            >
              <code className="font-mono">routes/{f.file}</code> did not load: {f.error}. Ask Fluxy to fix it.
            </p>
          ))}
        </>
      )}
      {status.state === 'down' && (
        <p className="mt-4 text-sm text-zinc-600 dark:text-zinc-400">
          {status.reason} It restarts by itself after each edit; if it stays down, ask Fluxy to look at the backend
          log.
        </p>
      )}
      <p className="mt-4 text-xs text-zinc-500 dark:text-zinc-500">
        <code className="font-mono">GET /app/api/health</code> · served by <code className="font-mono">backend/index.ts</code>
      </p>
    </article>
  );
}
