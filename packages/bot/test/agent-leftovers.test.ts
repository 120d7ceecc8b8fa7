// A supervisor killed by SIGKILL leaves its agent's Claude Code and background tasks running
// (they live in sessions of their own); the next start must find and stop them, and only them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findAgentLeftovers, reapAgentLeftovers } from '../src/agent/index.ts';
import { isAlive as alive } from '../src/cli/pid.ts';
import { waitFor } from './helpers/instance.ts';


test('processes marked with our CLAUDE_CONFIG_DIR are reaped, even re-parented; others are left alone', async (t) => {
  const ours = mkdtempSync(join(tmpdir(), 'fluxy-claude-'));
  const theirs = mkdtempSync(join(tmpdir(), 'fluxy-claude-other-'));
  // setsid: a session of its own, as Claude Code's background tasks have. Not `detached`: a group
  // leader makes setsid fork, and its short-lived parent could be found and then be gone at the kill.
  const leftover = spawn('setsid', ['sleep', '300'], { env: { PATH: process.env.PATH, CLAUDE_CONFIG_DIR: ours }, stdio: 'ignore' });
  const bystander = spawn('sleep', ['300'], { env: { PATH: process.env.PATH, CLAUDE_CONFIG_DIR: theirs }, detached: true, stdio: 'ignore' });
  t.after(() => {
    for (const p of [leftover, bystander]) if (p.pid && alive(p.pid)) process.kill(p.pid, 'SIGKILL');
  });
  const found = await waitFor('the leftover to be visible', () => {
    const pids = findAgentLeftovers(ours);
    return pids.length > 0 ? pids : undefined;
  });
  assert.ok(!found.includes(bystander.pid!));
  assert.equal(reapAgentLeftovers(ours), found.length);
  await waitFor('the leftover to die', () => findAgentLeftovers(ours).length === 0);
  assert.ok(alive(bystander.pid!), 'another instance’s processes are not ours to kill');
});
