// Edits under workspace/backend restart the backend once per burst, after 500 ms of quiet.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { type Instance, startInstance, waitFor } from './helpers/instance.ts';

describe('backend watcher', () => {
  let bot: Instance;
  let marker: string;
  const starts = () => {
    try {
      return readFileSync(marker, 'utf8').length;
    } catch {
      return 0;
    }
  };
  before(async () => {
    bot = await startInstance();
    marker = `${bot.home}/starts.txt`;
  });
  after(() => bot?.stop());

  test('a new route file restarts the backend and is served', async () => {
    const token = await bot.login();
    writeFileSync(
      `${bot.home}/workspace/backend/routes/zz-marker.ts`,
      `import { appendFileSync } from 'node:fs';\nimport { Router } from 'express';\nappendFileSync(${JSON.stringify(marker)}, 'x');\nconst r = Router();\nr.get('/marker', (_req, res) => { res.json({ starts: ${JSON.stringify(marker)} }); });\nexport default r;\n`,
    );
    await waitFor('the backend to load the new route', () => starts() === 1, 30_000);
    const res = await waitFor('GET /app/api/marker', async () => {
      const r = await bot.fetch('/app/api/marker', { token });
      return r.status === 200 ? r : undefined;
    });
    assert.equal(res.status, 200);
  });

  test('a burst of edits gives exactly one restart; other files give none', async () => {
    const dir = `${bot.home}/workspace/backend`;
    for (let i = 0; i < 5; i++) {
      appendFileSync(`${dir}/routes/zz-marker.ts`, `// edit ${i}\n`);
      writeFileSync(`${dir}/data-${i}.json`, '{}');
      await delay(60);
    }
    await waitFor('one restart', () => starts() === 2, 30_000);
    // Watching for an event that must not happen needs a window: 1.5 s is three times the debounce.
    await delay(1500);
    assert.equal(starts(), 2);

    writeFileSync(`${dir}/notes.md`, '# not code');
    writeFileSync(`${dir}/style.css`, 'body{}');
    await delay(1500);
    assert.equal(starts(), 2, 'non-code files do not restart the backend');
    assert.equal((await bot.health()).body.children.backend!.state, 'running');
  });
});
