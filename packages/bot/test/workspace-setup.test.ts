import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolvePaths } from '../src/shared/paths.ts';
import { ensureWorkspace } from '../src/supervisor/workspace.ts';
import { linksInto } from './helpers/workspace-npm.ts';

test('the workspace is copied once, never overwritten, with its own copies of the template dependencies', () => {
  const paths = resolvePaths({ FLUXY_HOME: mkdtempSync(join(tmpdir(), 'fluxy-ws-')) });
  const fluxyModules = realpathSync(paths.nodeModules);
  try {
    const first = ensureWorkspace(paths);
    assert.equal(first.created, true);
    assert.ok(first.modules && first.modules.packages > 100, 'the whole dependency closure is copied');
    for (const f of ['client/src/App.tsx', 'client/index.html', 'backend/index.ts', 'files', 'package-lock.json']) assert.ok(existsSync(join(paths.workspace, f)), f);
    assert.ok(!existsSync(join(paths.workspace, 'backend/app.db')), 'no data is copied from the template');

    const app = join(paths.workspace, 'client/src/App.tsx');
    writeFileSync(app, 'export default function App() { return null; }\n');
    assert.deepEqual(ensureWorkspace(paths), { created: false, modules: null });
    assert.match(readFileSync(app, 'utf8'), /return null/, 'the user’s (and the agent’s) edits survive a restart');

    const modules = join(paths.workspace, 'node_modules');
    for (const dep of ['react', 'vite', 'express', '@vitejs/plugin-react', 'better-sqlite3/build/Release']) {
      assert.ok(lstatSync(join(modules, dep)).isDirectory(), dep);
    }
    assert.deepEqual(linksInto(paths.workspace, fluxyModules), [], 'nothing in the workspace leads into Fluxy');
    const lock = JSON.parse(readFileSync(join(paths.workspace, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean }> };
    assert.equal(lock.packages['node_modules/react']?.version, JSON.parse(readFileSync(join(modules, 'react/package.json'), 'utf8')).version);
    assert.equal(lock.packages['node_modules/vite']?.dev, undefined, "Fluxy's dev flags are not the workspace's");

    // The agent removed the folder and installed nothing: the next start gives the app its packages again.
    rmSync(modules, { recursive: true, force: true });
    assert.ok(existsSync(join(paths.nodeModules, 'react/package.json')));
    assert.ok(ensureWorkspace(paths).modules, 'copied again');
    assert.ok(existsSync(join(modules, 'react/package.json')));
  } finally {
    rmSync(paths.home, { recursive: true, force: true });
  }
});

test("an older version's links into Fluxy are replaced by copies; the agent's own packages stay", () => {
  const paths = resolvePaths({ FLUXY_HOME: mkdtempSync(join(tmpdir(), 'fluxy-ws-')) });
  const fluxyModules = realpathSync(paths.nodeModules);
  try {
    ensureWorkspace(paths);
    const modules = join(paths.workspace, 'node_modules');
    rmSync(modules, { recursive: true });
    symlinkSync(paths.nodeModules, modules, 'dir');
    assert.ok(ensureWorkspace(paths).modules);
    assert.ok(!lstatSync(modules).isSymbolicLink(), 'a whole-folder link is replaced');
    assert.deepEqual(linksInto(paths.workspace, fluxyModules), []);

    // The per-package layout, with a package the agent installed itself next to the links.
    rmSync(modules, { recursive: true });
    mkdirSync(join(modules, '@vitejs'), { recursive: true });
    symlinkSync(join(paths.nodeModules, 'react'), join(modules, 'react'), 'dir');
    symlinkSync(join(paths.nodeModules, '@vitejs/plugin-react'), join(modules, '@vitejs/plugin-react'), 'dir');
    mkdirSync(join(modules, 'dayjs'));
    writeFileSync(join(modules, 'dayjs/package.json'), '{"name":"dayjs","version":"1.0.0"}');
    writeFileSync(join(modules, '.package-lock.json'), '{}');
    assert.ok(ensureWorkspace(paths).modules);
    assert.deepEqual(linksInto(paths.workspace, fluxyModules), []);
    assert.ok(lstatSync(join(modules, 'react')).isDirectory() && existsSync(join(modules, '@vitejs/plugin-react/package.json')));
    assert.ok(existsSync(join(modules, 'dayjs/package.json')), "the agent's package is kept");
    assert.ok(!existsSync(join(modules, '.package-lock.json')), "npm's record of the old tree is dropped; npm reads the folders");
  } finally {
    rmSync(paths.home, { recursive: true, force: true });
  }
});
