// The line a person sees for a tool step: paths relative to the workspace, commands trimmed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeTool } from '../src/agent/tool-summary.ts';
import { createWorkspacePaths } from '../src/agent/workspace-paths.ts';

const rel = createWorkspacePaths('/srv/fluxy/workspace');

test('file tools show the path relative to the workspace; outside it, as written', () => {
  assert.equal(summarizeTool('Write', { file_path: '/srv/fluxy/workspace/client/src/App.tsx' }, rel), 'client/src/App.tsx');
  assert.equal(summarizeTool('Edit', { file_path: 'backend/index.ts' }, rel), 'backend/index.ts');
  assert.equal(summarizeTool('Read', { file_path: '/etc/hosts' }, rel), '/etc/hosts');
  assert.equal(summarizeTool('NotebookEdit', { notebook_path: '/srv/fluxy/workspace/a.ipynb' }, rel), 'a.ipynb');
});

test('Bash shows the command trimmed, a multi-line one by its first line, a long one cut', () => {
  assert.equal(summarizeTool('Bash', { command: '  npm test \n' }, rel), 'npm test');
  assert.equal(summarizeTool('Bash', { command: "cat > a.txt <<'X'\nhello\nX" }, rel), "cat > a.txt <<'X' …");
  const long = summarizeTool('Bash', { command: `echo ${'x'.repeat(400)}` }, rel);
  assert.equal(long?.length, 160);
  assert.ok(long?.endsWith('…'));
});

test('Glob and Grep show the pattern; unknown tools and missing fields give none', () => {
  assert.equal(summarizeTool('Glob', { pattern: '**/*.tsx' }, rel), '**/*.tsx');
  assert.equal(summarizeTool('Grep', { pattern: 'useState', path: 'client' }, rel), 'useState');
  assert.equal(summarizeTool('TodoWrite', { todos: [] }, rel), undefined);
  assert.equal(summarizeTool('Bash', {}, rel), undefined);
  assert.equal(summarizeTool('Write', { file_path: 42 }, rel), undefined);
  assert.equal(summarizeTool('Bash', { command: '   ' }, rel), undefined);
});
