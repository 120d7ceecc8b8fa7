// The supervisor survives every child's death: crashes come back, crash loops give up after 3.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Instance, runCli, startInstance, waitFor } from './helpers/instance.ts';

describe('child processes', () => {
  let bot: Instance;
  before(async () => {
    bot = await startInstance();
  });
  after(() => bot?.stop());

  for (const name of ['worker', 'vite', 'backend']) {
    test(`kill -9 of the ${name}: it comes back and /api/health says so`, async () => {
      const before = (await bot.health()).body.children[name]!;
      assert.equal(before.state, 'running');
      process.kill(before.pid!, 'SIGKILL');
      const back = await waitFor(
        `${name} to come back`,
        async () => {
          const h = await bot.health().catch(() => undefined);
          const c = h?.body.children[name];
          return c && c.state === 'running' && c.pid !== before.pid ? c : undefined;
        },
        60_000,
        100,
      );
      assert.equal(back.restarts, 1);
      assert.equal(bot.proc.exitCode, null, 'the supervisor is still up');
    });
  }

  test('a backend that exits at once is restarted exactly 3 times, then reported as failed', async () => {
    const token = await bot.login();
    const marker = `${bot.home}/backend-starts.txt`;
    // The watcher sees the edit and restarts the backend with a fresh budget: 1 start + 3 restarts.
    writeFileSync(
      `${bot.home}/workspace/backend/index.ts`,
      `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(marker)}, 'x');\nprocess.exit(1);\n`,
    );
    const failed = await waitFor(
      'the backend to be reported as failed',
      async () => {
        const c = (await bot.health()).body.children.backend!;
        return c.state === 'failed' ? c : undefined;
      },
      60_000,
      200,
    );
    assert.equal(failed.restarts, 3);
    assert.equal(readFileSync(marker, 'utf8'), 'xxxx', 'one start and exactly 3 restarts');

    const res = await bot.fetch('/app/api/health', { token });
    assert.equal(res.status, 502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'backend_unavailable');
    assert.match(body.error.message, /backend/i);

    const status = await runCli(['status'], bot.env);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /backend\s+failed/);
    assert.equal(bot.proc.exitCode, null, 'the supervisor is still up');
    assert.equal((await bot.fetch('/api/conversations', { token })).status, 200, 'the rest still works');
  });
});
