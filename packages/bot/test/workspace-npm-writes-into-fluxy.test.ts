// Every npm command the agent may run in the workspace (the registry is reachable here), one after
// another on one workspace, and Fluxy's own files the workspace can see stay exactly as they were.
// The old layout (one link per template package into Fluxy's node_modules) let `npm install dayjs`
// rebuild Fluxy's better-sqlite3 through the link. The reinstall from scratch, with a running
// bot, is in workspace-packages-reach-the-app.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_DIR, resolvePaths } from '../src/shared/paths.ts';
import { ensureWorkspace } from '../src/supervisor/workspace.ts';
import { findDependencyClosure } from '../src/supervisor/workspace-tree.ts';
import { changedPaths, fingerprintTree } from './helpers/tree-fingerprint.ts';
import { inWorkspace, linksInto, prebuiltBinaryEnv } from './helpers/workspace-npm.ts';

const NATIVE = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
const template = JSON.parse(readFileSync(join(REPO_DIR, 'workspace/package.json'), 'utf8')) as { dependencies: Record<string, string> };
/** Every package of Fluxy's that the workspace's dependencies reach, better-sqlite3's build included. */
const VISIBLE = findDependencyClosure(REPO_DIR, Object.keys(template.dependencies));

describe('npm in the workspace never writes into Fluxy', () => {
  const paths = resolvePaths({ FLUXY_HOME: mkdtempSync(join(tmpdir(), 'fluxy-wsnpm-')) });
  const workspace = paths.workspace;
  const prebuilds = mkdtempSync(join(tmpdir(), 'fluxy-prebuilds-'));
  let env: NodeJS.ProcessEnv;
  let fluxyBefore: Map<string, string>;
  const assertFluxyUntouched = (after: string) => {
    const changed = changedPaths(fluxyBefore, fingerprintTree(REPO_DIR, VISIBLE));
    assert.deepEqual(changed.slice(0, 20), [], `Fluxy's files changed after ${after}`);
  };
  const npm = async (command: string) => {
    await inWorkspace(workspace, command, env);
    assertFluxyUntouched(command);
  };

  before(() => {
    assert.ok(VISIBLE.includes('node_modules/better-sqlite3') && VISIBLE.includes('node_modules/vite') && VISIBLE.length > 100, VISIBLE.join(' '));
    fluxyBefore = fingerprintTree(REPO_DIR, VISIBLE);
    assert.ok(fluxyBefore.has(NATIVE));
    env = prebuiltBinaryEnv(REPO_DIR, prebuilds);
    ensureWorkspace(paths);
  });
  after(() => {
    rmSync(paths.home, { recursive: true, force: true });
    rmSync(prebuilds, { recursive: true, force: true });
  });

  test('first start: the workspace has its own copies, and nothing in it leads into Fluxy', () => {
    assert.deepEqual(linksInto(workspace, realpathSync(paths.nodeModules)), []);
    assert.notEqual(statSync(join(workspace, NATIVE)).ino, statSync(join(REPO_DIR, NATIVE)).ino, 'a copy, not a hard link');
    assert.ok(existsSync(join(workspace, 'package-lock.json')), 'npm ci has a lockfile to work from');
    assertFluxyUntouched('the first start');
  });

  test('npm install of a package, of another version, a careless install script, uninstall, update', async () => {
    await npm('npm install dayjs');
    await npm('npm install express@4');
    assert.match(readFileSync(join(workspace, 'node_modules/express/package.json'), 'utf8'), /"version": "4\./);
    await npm('npm install express@^5.3.0');

    // An install script that writes into its neighbours in place, as patch tools do: through a
    // hard link or a symlink it would write into Fluxy.
    const pkg = mkdtempSync(join(tmpdir(), 'fluxy-careless-'));
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'careless-postinstall', version: '1.0.0', scripts: { postinstall: 'node postinstall.js' } }));
    writeFileSync(
      join(pkg, 'postinstall.js'),
      "const fs = require('node:fs'); const path = require('node:path');\nconst modules = path.resolve(__dirname, '..');\nfor (const f of ['better-sqlite3/build/Release/better_sqlite3.node', 'express/README.md', 'react/package.json']) fs.appendFileSync(path.join(modules, f), '\\n');\nfs.writeFileSync(path.join(process.env.INIT_CWD, 'postinstall-ran'), 'yes');\n",
    );
    const packed = (await inWorkspace(pkg, 'npm pack --silent')).output.trim().split('\n').pop()!;
    const reactManifest = join(workspace, 'node_modules/react/package.json');
    const reactSize = statSync(reactManifest).size;
    await npm(`npm install ${join(pkg, packed)}`);
    rmSync(pkg, { recursive: true, force: true });
    assert.ok(existsSync(join(workspace, 'postinstall-ran')), 'the install script ran');
    assert.equal(statSync(reactManifest).size, reactSize + 1, 'and wrote where it could');

    await npm('npm uninstall dayjs careless-postinstall');
    await npm('npm update');
  });

  test('npm ci reinstalls the workspace from its lockfile, and only the workspace', async () => {
    const before = statSync(join(workspace, NATIVE)).ino;
    await npm('npm ci');
    assert.notEqual(statSync(join(workspace, NATIVE)).ino, before, "the workspace's better-sqlite3 is a new install");
    assert.deepEqual(linksInto(workspace, realpathSync(paths.nodeModules)), []);
  });
});
