#!/usr/bin/env node
// Runs every *.test.ts under packages/*/test (and the workspace template) with Node's own test
// runner, one process per file, in parallel. Extra arguments are test files or name filters:
//   node scripts/test.mjs packages/bot/test/auth.test.ts
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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
