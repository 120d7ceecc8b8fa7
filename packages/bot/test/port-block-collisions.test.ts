// Test files run in parallel, each starting bots on a block of five ports. Two processes must
// never be handed the same block, and no block may sit in the kernel's ephemeral range, where any
// port-0 listener or outgoing connection of another test could take one of its ports.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const helper = fileURLToPath(new URL('./helpers/instance.ts', import.meta.url));
const PER_PROCESS = 25;

/**
 * Another test process: claims PER_PROCESS blocks and prints them, then holds them until its stdin
 * closes (exiting frees them, and a freed block may rightly be handed out again).
 */
function claimInChild() {
  const code = `import { freeBasePort } from ${JSON.stringify(helper)};
const got = [];
for (let i = 0; i < ${PER_PROCESS}; i++) got.push(await freeBasePort());
console.log(JSON.stringify(got));
process.stdin.resume();`;
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const blocks = new Promise<number[]>((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (out.endsWith('\n')) resolve(JSON.parse(out) as number[]);
    });
    p.on('error', reject);
    p.on('exit', (status) => reject(new Error(`claimer exited ${status} before printing its blocks`)));
  });
  const exited = new Promise((r) => p.on('exit', r));
  const release = () => {
    p.stdin.end();
    return exited;
  };
  return { blocks, release };
}

test('parallel processes never get the same port block, and none in the ephemeral range', async () => {
  const claimers = [claimInChild(), claimInChild(), claimInChild(), claimInChild()];
  const results = await Promise.all(claimers.map((c) => c.blocks));
  await Promise.all(claimers.map((c) => c.release()));
  const all = results.flat();
  assert.equal(all.length, 4 * PER_PROCESS);
  assert.equal(new Set(all).size, all.length, 'a block was handed out twice');
  const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  for (const base of all) assert.ok(base + 4 < ephemeralLow, `block ${base} reaches into the ephemeral range (from ${ephemeralLow})`);
});
