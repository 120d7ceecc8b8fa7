import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolvePaths } from '../src/shared/paths.ts';
import { ensureWorkspace } from '../src/supervisor/workspace.ts';

test('the workspace is copied once, never overwritten, with per-package links to our dependencies', () => {
  const paths = resolvePaths({ FLUXY_HOME: mkdtempSync(join(tmpdir(), 'fluxy-ws-')) });
  try {
    assert.deepEqual(ensureWorkspace(paths), { created: true });
    for (const f of ['client/src/App.tsx', 'client/index.html', 'backend/index.ts', 'files']) assert.ok(existsSync(join(paths.workspace, f)), f);
    assert.ok(!existsSync(join(paths.workspace, 'backend/app.db')), 'no data is copied from the template');

    const app = join(paths.workspace, 'client/src/App.tsx');
    writeFileSync(app, 'export default function App() { return null; }\n');
    assert.deepEqual(ensureWorkspace(paths), { created: false });
    assert.match(readFileSync(app, 'utf8'), /return null/, 'the user’s (and the agent’s) edits survive a restart');

    const modules = join(paths.workspace, 'node_modules');
    assert.ok(lstatSync(modules).isDirectory() && !lstatSync(modules).isSymbolicLink());
    for (const dep of ['react', 'vite', 'express', '@vitejs/plugin-react']) {
      assert.ok(lstatSync(join(modules, dep)).isSymbolicLink(), dep);
    }
    // What an `npm install` or a careless `rm -rf node_modules` by the agent does to the workspace
    // must not reach Fluxy's own packages.
    rmSync(modules, { recursive: true, force: true });
    assert.ok(existsSync(join(paths.nodeModules, 'react/package.json')));
    ensureWorkspace(paths);
    assert.ok(existsSync(join(modules, 'react/package.json')), 'links are made again on start');

    rmSync(modules, { recursive: true });
    symlinkSync(paths.nodeModules, modules, 'dir');
    ensureWorkspace(paths);
    assert.ok(!lstatSync(modules).isSymbolicLink(), 'a whole-folder link from an older version is replaced');
  } finally {
    rmSync(paths.home, { recursive: true, force: true });
  }
});
