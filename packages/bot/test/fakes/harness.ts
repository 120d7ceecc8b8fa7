// Small helpers for tests that drive an AgentProvider: throwaway directories and event collection.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentProvider } from '../../src/agent/index.ts';
import type { AgentEnvironment, AgentEvent, AgentProvider, AgentTurn, Logger } from '../../src/agent/types.ts';

export interface TempEnv extends AgentEnvironment {
  root: string;
  cleanup(): void;
}

/** A workspace (client/, backend/routes/, files/) and a CLAUDE_CONFIG_DIR of its own. */
export function makeTempEnv(prefix = 'fluxy-agent-'): TempEnv {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const workspaceDir = join(root, 'workspace');
  for (const d of ['client/src', 'backend/routes', 'files']) mkdirSync(join(workspaceDir, d), { recursive: true });
  const claudeConfigDir = join(root, 'claude');
  mkdirSync(claudeConfigDir);
  return {
    root,
    workspaceDir,
    claudeConfigDir,
    filesDir: join(workspaceDir, 'files'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function makeTurn(prompt: string, extra: Partial<AgentTurn> = {}): AgentTurn {
  return {
    conversationId: 'conv-1',
    prompt,
    attachments: [],
    history: [],
    signal: new AbortController().signal,
    ...extra,
  };
}

/** Runs a turn to its end; `onEvent` sees each event as it arrives (to abort mid-stream, say). */
export async function collect(provider: AgentProvider, turn: AgentTurn, onEvent?: (ev: AgentEvent) => void): Promise<AgentEvent[]> {
  const events: AgentEvent[] = [];
  for await (const ev of provider.run(turn)) {
    events.push(ev);
    onEvent?.(ev);
  }
  return events;
}

export function finalEvent(events: AgentEvent[]): Extract<AgentEvent, { type: 'done' | 'error' }> {
  const finals = events.filter((e) => e.type === 'done' || e.type === 'error');
  if (finals.length !== 1) throw new Error(`expected exactly one final event, got ${finals.length}: ${JSON.stringify(events)}`);
  const last = events[events.length - 1]!;
  if (last !== finals[0]) throw new Error('the final event is not the last one');
  return finals[0] as Extract<AgentEvent, { type: 'done' | 'error' }>;
}

export function tokenText(events: AgentEvent[]): string {
  return events.map((e) => (e.type === 'token' ? e.text : '')).join('');
}

/** A logger that keeps what it is told, for asserting that nothing secret was logged. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const put = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${msg} ${fields ? JSON.stringify(fields) : ''}`);
  };
  return { lines, debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}

/** The key the Claude tests give the fake Anthropic server: no log line or error message may show it. */
export const CLAUDE_TEST_KEY = 'sk-ant-test-0123456789abcdef';

/** The Claude provider (the real Claude Agent SDK) against a fake Anthropic server, and what it logged. */
export function claudeProvider(fake: { url: string }, env: TempEnv, extra: { warmSessions?: boolean } = {}) {
  const log = memoryLogger();
  const p = createAgentProvider(
    { provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: CLAUDE_TEST_KEY, baseUrl: fake.url },
    env,
    log,
    { maxRetries: 0, ...extra },
  );
  return { p, log };
}
