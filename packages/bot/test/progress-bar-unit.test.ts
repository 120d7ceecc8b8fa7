// The download's progress bar: drawn in place on a terminal, silent in a log file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgressBar } from '../src/supervisor/tunnel/progress-bar.ts';

const stream = (isTTY: boolean) => {
  const out: string[] = [];
  return { out, s: { isTTY, write: (chunk: string) => out.push(chunk) } as unknown as NodeJS.WriteStream };
};

test('a terminal gets one line redrawn per percent, and a newline at the end', () => {
  const { out, s } = stream(true);
  const bar = createProgressBar('cloudflared', 4_000_000, s);
  for (let i = 0; i < 400; i++) bar.advance(10_000); // 400 chunks, 100 percent steps
  bar.done();
  assert.ok(out.length <= 102, `${out.length} writes`);
  assert.ok(out.every((l, i) => (i === out.length - 1 ? l === '\n' : l.startsWith('\r'))));
  assert.match(out.at(-2)!, /\[#{30}\] 100% 3\.8\/3\.8 MB$/);
});

test('not a terminal: nothing is written', () => {
  const { out, s } = stream(false);
  const bar = createProgressBar('cloudflared', 100, s);
  bar.advance(50);
  bar.done();
  assert.deepEqual(out, []);
});
