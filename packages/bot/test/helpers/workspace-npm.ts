import { execFile, execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CommandResult {
  ms: number;
  output: string;
}

/** Runs a shell command in the workspace as the agent's Bash tool would (the registry is reachable); throws with npm's output on failure. */
export async function inWorkspace(workspace: string, command: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 150_000): Promise<CommandResult> {
  const started = performance.now();
  try {
    const { stdout, stderr } = await run('sh', ['-c', command], { cwd: workspace, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { ms: Math.round(performance.now() - started), output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`\`${command}\` failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Every symlink under `dir` whose target lies inside `forbidden` (what npm would rebuild through). */
export function linksInto(dir: string, forbidden: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // dangling: points nowhere
        throw err;
      }
      if (target === forbidden || target.startsWith(forbidden + sep)) found.push(path);
    } else if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

/**
 * better-sqlite3's install step downloads a prebuilt binary from GitHub, which this machine cannot
 * reach, then compiles SQLite for a minute or more. A folder holding the release file that download
 * would fetch (packed from Fluxy's own build, read only) stands in for GitHub, at the network edge:
 * `npm ci` and a reinstall from scratch take seconds, as on a user's machine.
 */
export function prebuiltBinaryEnv(fluxyRoot: string, dir: string): NodeJS.ProcessEnv {
  const pkg = join(fluxyRoot, 'node_modules/better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', join(dir, name), '-C', pkg, 'build/Release/better_sqlite3.node']);
  return { ...process.env, npm_config_better_sqlite3_local_prebuilds: dir };
}
