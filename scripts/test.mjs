#!/usr/bin/env node
// Runs every *.test.ts under packages/*/test (and the workspace template) with Node's own test
// runner, one process per file, in parallel. Extra arguments are test files or name filters:
//   node scripts/test.mjs packages/bot/test/auth.test.ts
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function findTests(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch (err) {
    if (err.code === 'ENOENT') return out;
    throw err;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

/**
 * The contract: `npm test` installs what it needs from the system's package manager when missing.
 * The tests need Debian's Chromium (the browser tests), PostgreSQL (the relay's store suite) and
 * git (the checkpoints).
 */
function ensureSystemPackages() {
  const hasPostgres = () => readdirSync('/usr/lib/postgresql', { withFileTypes: true }).some((d) => existsSync(`/usr/lib/postgresql/${d.name}/bin/initdb`));
  const missing = [];
  if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) missing.push('chromium');
  if (!(process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, 'git')))) missing.push('git');
  try {
    if (!hasPostgres()) missing.push('postgresql');
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    missing.push('postgresql');
  }
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0;
  const hint = `${asRoot ? '' : 'sudo '}apt-get install -y ${missing.join(' ')}`;
  console.error(`npm test: installing ${missing.join(', ')} (${hint})`);
  const options = { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  // Not root: only a sudo that needs no password (never a prompt in the middle of a test run).
  const run = (cmd) => (asRoot ? execFileSync(cmd[0], cmd.slice(1), options) : execFileSync('sudo', ['-n', ...cmd], options));
  try {
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', ...missing]);
  } catch (err) {
    console.error(`npm test: could not install ${missing.join(', ')}: ${err.message}\nInstall them yourself: ${hint}`);
    process.exit(1);
  }
}

ensureSystemPackages();
const args = process.argv.slice(2);
const files = args.length > 0 ? args : [...findTests(join(root, 'packages')), ...findTests(join(root, 'workspace'))].sort();
// Test files start real servers and child processes; more files at once than cores + 1 only
// makes each of them slower and deadlines flakier on a 2-core machine.
const concurrency = Number(process.env.FLUXY_TEST_CONCURRENCY ?? Math.max(2, availableParallelism()));
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...files],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
