import { open } from 'node:fs/promises';
import { BACKEND_SECRET_HEADER } from '../../shared/backend-secret.ts';
import { isErrno } from '../../shared/errors.ts';
import type { ManagedChild } from '../child.ts';

/** How long a restarted backend gets to listen and answer `/health` before it counts as broken. */
export const BACKEND_CHECK_MS = 12_000;
/** How long Vite gets to transform one changed module. */
const DASHBOARD_CHECK_MS = 8_000;
const MAX_ERROR_LINES = 12;
const MAX_ERROR_CHARS = 2_000;
/** Terminal colour codes (ESC [ … m) in the backend's log and in Vite's messages. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export interface BrokenApp {
  part: 'backend' | 'dashboard';
  /** The first lines of the error, for a person (and for the agent, when asked to fix it). */
  error: string;
}

/** The first lines of an error, without ANSI colours. */
export function firstLines(text: string): string {
  const lines = text.replace(ANSI, '').split('\n').filter((l) => l.trim());
  return lines.slice(0, MAX_ERROR_LINES).join('\n').slice(0, MAX_ERROR_CHARS);
}

/** The end of the backend's log, from its last error on: why it crashed, in its own words. */
async function crashReason(logFile: string): Promise<string> {
  let text = '';
  try {
    const f = await open(logFile, 'r');
    try {
      const { size } = await f.stat();
      const start = Math.max(0, size - 16 * 1024);
      const buf = Buffer.alloc(size - start);
      await f.read(buf, 0, buf.length, start);
      text = buf.toString('utf8');
    } finally {
      await f.close();
    }
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  const lines = text.split('\n');
  const at = lines.findLastIndex((l) => /error|exception|cannot|failed/i.test(l) && !l.startsWith('    at '));
  const from = at === -1 ? Math.max(0, lines.length - MAX_ERROR_LINES) : Math.max(0, at - 3);
  // Node prints the file and line above the error; the template's routine status lines are noise.
  const relevant = lines.slice(from).filter((l) => !/^\[backend\] (listening|SIGTERM|SIGINT)/.test(l));
  return firstLines(relevant.join('\n')) || 'The backend exited.';
}

type BackendChild = Pick<ManagedChild, 'state' | 'on' | 'off'> & { spec: Pick<ManagedChild['spec'], 'port' | 'logFile'> };

/**
 * Resolves 'running', or 'crashed' when it gives up or crashes twice, or 'timeout'. One crash is
 * forgiven (ManagedChild restarts it a second later): a port still held by the process just
 * stopped is bad luck, while the agent's broken code crashes again.
 */
function runningOrCrashed(child: BackendChild, timeoutMs: number): Promise<'running' | 'crashed' | 'timeout'> {
  if (child.state === 'running') return Promise.resolve('running');
  if (child.state === 'failed' || child.state === 'stopped') return Promise.resolve('crashed');
  let crashes = child.state === 'restarting' ? 1 : 0;
  return new Promise((resolve) => {
    const done = (v: 'running' | 'crashed' | 'timeout') => {
      clearTimeout(timer);
      child.off('state', onState);
      resolve(v);
    };
    const onState = (s: string) => {
      if (s === 'running') done('running');
      else if (s === 'failed' || s === 'stopped' || (s === 'restarting' && ++crashes >= 2)) done('crashed');
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    child.on('state', onState);
  });
}

/**
 * Whether the backend, just restarted after a turn, works: it must listen (a crash right after a
 * restart is the agent's code, not bad luck) and answer `/health` within the deadline, without a
 * 5xx and without route files that failed to load (the template skips those and says so in
 * `/health`'s `failedRoutes`, so a syntax error does not take the whole backend down).
 */
export async function checkBackend(child: BackendChild, secret: string, timeoutMs = BACKEND_CHECK_MS): Promise<BrokenApp | null> {
  const started = Date.now();
  const state = await runningOrCrashed(child, timeoutMs);
  if (state === 'crashed') return { part: 'backend', error: await crashReason(child.spec.logFile) };
  if (state === 'timeout') return { part: 'backend', error: `The backend did not start listening within ${Math.round(timeoutMs / 1000)} s.\n${await crashReason(child.spec.logFile)}` };
  const left = Math.max(1_000, timeoutMs - (Date.now() - started));
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${child.spec.port}/health`, { headers: { [BACKEND_SECRET_HEADER]: secret }, signal: AbortSignal.timeout(left) });
  } catch (err) {
    return { part: 'backend', error: `The backend does not answer /health: ${(err as Error).message}` };
  }
  const body = await res.text();
  if (res.status >= 500) return { part: 'backend', error: firstLines(`/health answered ${res.status}\n${body}`) };
  let failed: unknown;
  try {
    failed = (JSON.parse(body) as { failedRoutes?: unknown }).failedRoutes;
  } catch (err) {
    // A /health of the user's own design may be text: it answered, that is all we ask.
    if (!(err instanceof SyntaxError)) throw err;
  }
  if (Array.isArray(failed) && failed.length > 0) {
    const lines = failed.map((f: { file?: unknown; error?: unknown }) => `routes/${String(f.file)}: ${String(f.error)}`);
    return { part: 'backend', error: firstLines(lines.join('\n')) };
  }
  return null;
}

/** Vite answers a module it cannot build with a page for its error overlay; the message is in it as JSON. */
function viteMessage(body: string): string {
  const m = /const error = (\{.*\})\s*$/m.exec(body);
  if (m?.[1]) {
    try {
      const message = (JSON.parse(m[1]) as { message?: unknown }).message;
      if (typeof message === 'string') return message.replace(/\?fluxy-check=\d+/g, '');
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
    }
  }
  return body.replace(/<[^>]+>/g, '');
}

const MODULE = /\.(tsx?|jsx?|mjs|css|vue|svelte)$/;

/**
 * Whether Vite can build the dashboard modules a turn changed: each is requested from Vite as the
 * browser would, under a query no page uses, so Vite transforms the file as it is now instead of
 * answering from its cache before its watcher has noticed the change.
 */
export async function checkDashboard(vitePort: number, changed: readonly string[]): Promise<BrokenApp | null> {
  const modules = changed.filter((f) => f.startsWith('client/') && MODULE.test(f) && !f.startsWith('client/public/'));
  for (const file of modules.slice(0, 20)) {
    const url = `http://127.0.0.1:${vitePort}/${file.slice('client/'.length).split('/').map(encodeURIComponent).join('/')}?fluxy-check=${Date.now()}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: '*/*' }, signal: AbortSignal.timeout(DASHBOARD_CHECK_MS) });
    } catch (err) {
      return { part: 'dashboard', error: `The dashboard dev server does not answer: ${(err as Error).message}` };
    }
    const body = await res.text();
    // A file the turn deleted is a 404 here; only a failed build is an error.
    if (res.status >= 500) return { part: 'dashboard', error: firstLines(`${file}: ${viteMessage(body)}`) };
  }
  return null;
}
