// `npm run check` keeps the folders honest: the supervisor imports nothing from worker/, storage/
// or better-sqlite3, and browser code (packages/protocol, packages/chat) nothing from Node. Biome
// runs here with the repository's own biome.json on offending files in a temporary copy of the
// layout, and must refuse each of them (and accept the allowed ones).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_DIR } from '../src/shared/paths.ts';

const BIOME = join(REPO_DIR, 'node_modules/.bin/biome');

describe('import boundaries enforced by npm run check', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fluxy-boundaries-'));
    copyFileSync(join(REPO_DIR, 'biome.json'), join(root, 'biome.json'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Writes one file at `path` (relative to the copy) and lints it alone. */
  function lint(path: string, source: string): { ok: boolean; output: string } {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
    const r = spawnSync(BIOME, ['lint', '--max-diagnostics=50', path], { cwd: root, encoding: 'utf8' });
    rmSync(file);
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  }

  // [what, file, source, refused?]
  const cases: [string, string, string, boolean][] = [
    ['the supervisor importing the worker', 'packages/bot/src/supervisor/bad.ts', "import { createWorkerApp } from '../worker/app.ts';\nexport const x = createWorkerApp;\n", true],
    ['the supervisor importing storage', 'packages/bot/src/supervisor/chat/bad.ts', "import { openDatabase } from '../../storage/db.ts';\nexport const x = openDatabase;\n", true],
    ['the supervisor importing better-sqlite3', 'packages/bot/src/supervisor/bad.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n", true],
    ['protocol importing node:fs', 'packages/protocol/src/bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", true],
    ['protocol importing path without the node: prefix', 'packages/protocol/src/bad.ts', "import { join } from 'path';\nexport const x = join;\n", true],
    ['the chat app importing node:crypto', 'packages/chat/src/bad.ts', "import { randomUUID } from 'node:crypto';\nexport const x = randomUUID;\n", true],
    ['the supervisor importing shared/ and the protocol', 'packages/bot/src/supervisor/good.ts', "import { FluxyError } from '../shared/errors.ts';\nimport { ChatErrorCodeSchema } from '@fluxy/protocol';\nexport const x = [FluxyError, ChatErrorCodeSchema];\n", false],
    ['the worker importing storage', 'packages/bot/src/worker/good.ts', "import { openDatabase } from '../storage/db.ts';\nexport const x = openDatabase;\n", false],
    ['protocol importing zod', 'packages/protocol/src/good.ts', "import { z } from 'zod';\nexport const x = z;\n", false],
  ];
  for (const [what, path, source, refused] of cases) {
    test(`${refused ? 'refuses' : 'accepts'} ${what}`, () => {
      const { ok, output } = lint(path, source);
      assert.equal(ok, !refused, output);
      if (refused) assert.match(output, /noRestrictedImports/);
    });
  }
});
