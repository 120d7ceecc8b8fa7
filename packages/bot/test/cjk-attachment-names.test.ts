// A long non-Latin file name used to overflow the 255-byte name limit (ENAMETOOLONG).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { saveAttachment } from '../src/agent/index.ts';
import { makeTempEnv } from './fakes/harness.ts';

test('long CJK and emoji names are shortened by bytes, on whole code points', async (t) => {
  const env = makeTempEnv();
  t.after(() => env.cleanup());
  for (const name of [`${'報'.repeat(90)}.txt`, `${'😀'.repeat(70)}.txt`, `${'é'.repeat(200)}.md`]) {
    const saved = await saveAttachment(env.filesDir, { name, mediaType: 'text/plain', data: Buffer.from('hi').toString('base64') });
    const file = saved.path.split('/').pop()!;
    assert.ok(Buffer.byteLength(file) <= 255, `${Buffer.byteLength(file)} bytes`);
    assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(file), 'no split surrogate pairs');
  }
  assert.equal(readdirSync(env.filesDir).length, 3);
});
