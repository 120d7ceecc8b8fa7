import { spawn } from 'node:child_process';
import { FluxyError } from '../../shared/errors.ts';

/**
 * The environment every git call gets: nothing of the user's or the agent's git set-up applies.
 * `GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE` and friends from the supervisor's own environment
 * would point our commands at someone else's repository, and a user's global config (hooks,
 * `core.fsmonitor`, `core.autocrlf`, a signing key) would change what is stored or make it hang.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    // Pathspecs are file names we listed ourselves: a `*` or `:` in one is a character, not magic.
    GIT_LITERAL_PATHSPECS: '1',
    LC_ALL: 'C',
  };
  for (const key of ['PATH', 'HOME', 'TMPDIR']) if (process.env[key] !== undefined) env[key] = process.env[key];
  return env;
}

/** Settings passed with `-c` on every call: they win over anything in the repository's config. */
const CONFIG = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.autocrlf=false',
  'core.safecrlf=false',
  'core.symlinks=true',
  'core.quotePath=false',
  'core.untrackedCache=false',
  'gc.auto=0',
  'user.name=Fluxy',
  'user.email=checkpoints@fluxy.invalid',
  'commit.gpgSign=false',
  'advice.addEmbeddedRepo=false',
  'advice.addIgnoredFile=false',
].flatMap((c) => ['-c', c]);

export interface GitOptions {
  gitDir: string;
  workTree: string;
  timeoutMs?: number;
}

export interface GitRun {
  (args: string[], input?: string | Buffer): Promise<string>;
  buffer(args: string[], input?: string | Buffer): Promise<Buffer>;
  /** `git init --bare`, which refuses a work tree. */
  init(): Promise<void>;
}

/** Output larger than this is an error: nothing we ask for is that big, and a runaway must not fill memory. */
const MAX_OUTPUT = 64 * 1024 * 1024;
/** A git call still running after this is killed: every checkpoint waits in one queue behind it. */
export const GIT_TIMEOUT_MS = 120_000;

/** Runs the system `git` on the checkpoint repository; a failure throws `checkpoint_git_failed` with git's own words. */
export function createGit({ gitDir, workTree, timeoutMs = GIT_TIMEOUT_MS }: GitOptions): GitRun {
  const env = cleanEnv();
  const buffer = (args: string[], input?: string | Buffer, withWorkTree = true): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const proc = spawn('git', [...CONFIG, `--git-dir=${gitDir}`, ...(withWorkTree ? [`--work-tree=${workTree}`] : []), ...args], {
        cwd: workTree,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let size = 0;
      let err = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        proc.kill('SIGKILL');
      }, timeoutMs);
      proc.stdout.on('data', (d: Buffer) => {
        size += d.length;
        if (size > MAX_OUTPUT) proc.kill('SIGKILL');
        else out.push(d);
      });
      proc.stderr.on('data', (d: Buffer) => {
        if (err.length < 4096) err += d.toString();
      });
      proc.on('error', (e) => {
        clearTimeout(timer);
        reject(new FluxyError('checkpoint_git_missing', `Cannot run git (${(e as NodeJS.ErrnoException).code ?? e.message}): install git to keep checkpoints.`, 503));
      });
      proc.on('close', (code) => {
        clearTimeout(timer);
        const why = timedOut ? `no answer in ${timeoutMs / 1000} s` : size > MAX_OUTPUT ? 'output too large' : `code ${code}`;
        if (code === 0) resolve(Buffer.concat(out));
        else reject(new FluxyError('checkpoint_git_failed', `git ${args[0]} failed (${why}): ${err.trim().slice(0, 1000)}`));
      });
      // A git that exits before reading its input (an error) closes the pipe: that is reported above, not here.
      proc.stdin.on('error', () => undefined);
      proc.stdin.end(input);
    });
  const run = (async (args: string[], input?: string | Buffer) => (await buffer(args, input)).toString('utf8')) as GitRun;
  run.buffer = buffer;
  run.init = async () => void (await buffer(['init', '--quiet', '--bare'], undefined, false));
  return run;
}
