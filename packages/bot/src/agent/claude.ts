// The Anthropic provider: the Claude Agent SDK running Claude Code in the workspace. Keeps one warm
// process per conversation (see claude-session.ts), resumes a session from its transcript when no
// warm process holds it (after a restart, an error, or eviction), and falls back to a fresh session
// carrying the history as text when that transcript is gone.
import type { Options } from '@anthropic-ai/claude-agent-sdk';
import { buildClaudeEnv } from './claude-env.ts';
import { buildClaudeContent, type ClaudeContent, prependText } from './claude-input.ts';
import { ClaudeSession } from './claude-session.ts';
import { describeFailure } from './errors.ts';
import { buildSystemPromptAddendum } from './prompt.ts';
import { historyPreamble } from './turn-content.ts';
import type { AgentEnvironment, AgentEvent, AgentProvider, AgentProviderOptions, AgentTurn, Logger, ProviderSettings } from './types.ts';
import { createWorkspacePaths } from './workspace-paths.ts';

const DEFAULT_IDLE_MS = 10 * 60 * 1000;

export function createClaudeProvider(
  settings: ProviderSettings,
  env: AgentEnvironment,
  log: Logger,
  opts: AgentProviderOptions = {},
): AgentProvider {
  const warm = opts.warmSessions ?? true;
  const maxWarm = Math.max(1, opts.maxWarmSessions ?? 3);
  const idleMs = opts.warmIdleMs ?? DEFAULT_IDLE_MS;
  const toWorkspacePath = createWorkspacePaths(env.workspaceDir);
  const sessions = new Map<string, ClaudeSession>();
  const options: Options = {
    cwd: env.workspaceDir,
    model: settings.model,
    maxTurns: 50,
    permissionMode: 'bypassPermissions',
    allowDangerouslySkipPermissions: true,
    includePartialMessages: true,
    systemPrompt: { type: 'preset', preset: 'claude_code', append: buildSystemPromptAddendum(env.workspaceDir) },
    env: buildClaudeEnv(settings, env, opts.maxRetries ?? 2),
    ...(opts.claudeExecutable ? { pathToClaudeCodeExecutable: opts.claudeExecutable } : {}),
  };

  // Every process this provider started, pooled or not, so close() can wait for all of them.
  const running = new Set<ClaudeSession>();
  const open = (resume: string | undefined) => {
    const session = new ClaudeSession(options, resume, log, toWorkspacePath);
    running.add(session);
    session.exited.then(() => running.delete(session));
    return session;
  };

  /** The conversation's warm process when it holds exactly the session asked for; else a new one. */
  function acquire(turn: AgentTurn): { session: ClaudeSession; reused: boolean; pooled: boolean } {
    const live = sessions.get(turn.conversationId);
    if (live && live.state === 'idle' && turn.sessionId && live.sessionId === turn.sessionId) {
      if (live.idleTimer) clearTimeout(live.idleTimer);
      return { session: live, reused: true, pooled: true };
    }
    if (live?.state === 'busy') {
      // The supervisor runs one turn per conversation at a time; if it did not, do not disturb the other.
      log.warn('claude turn while another runs in the same conversation', { conversationId: turn.conversationId });
      return { session: open(turn.sessionId), reused: false, pooled: false };
    }
    // A different (or no) session id: the user cleared the context, or the process is stale.
    live?.close();
    const session = open(turn.sessionId);
    if (warm) sessions.set(turn.conversationId, session);
    return { session, reused: false, pooled: warm };
  }

  function release(conversationId: string, session: ClaudeSession, pooled: boolean): void {
    if (!pooled || session.state !== 'idle') {
      if (!pooled) session.close();
      if (sessions.get(conversationId) === session && session.state === 'closed') sessions.delete(conversationId);
      return;
    }
    session.idleTimer = setTimeout(() => {
      if (session.state === 'idle') session.close();
      if (sessions.get(conversationId) === session) sessions.delete(conversationId);
    }, idleMs);
    session.idleTimer.unref();
    // Each process holds about 200 MB: past the cap, stop the ones idle longest.
    const idle = [...sessions.entries()].filter(([, s]) => s.state === 'idle').sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (let i = 0; i < idle.length && sessions.size > maxWarm; i++) {
      const [id, s] = idle[i]!;
      s.close();
      sessions.delete(id);
    }
  }

  async function* runTurn(turn: AgentTurn): AsyncGenerator<AgentEvent> {
    if (!settings.apiKey) {
      yield { type: 'error', code: 'not_configured', message: describeFailure('not_configured', 'Claude'), partialText: '' };
      return;
    }
    let content: ClaudeContent;
    try {
      content = await buildClaudeContent(turn.prompt, turn.attachments, env.workspaceDir);
    } catch (err) {
      log.warn('claude attachment unreadable', { err: String(err) });
      const message = `An attachment could not be read: ${(err as Error).message}`;
      yield { type: 'error', code: 'bad_request', message, partialText: '' };
      return;
    }
    let { session, reused, pooled } = acquire(turn);
    for (let attempt = 0; ; attempt++) {
      let retry = false;
      try {
        for await (const out of session.runTurn(content, turn.signal)) {
          if (out.type === 'resume_missing' && attempt === 0) {
            // The transcript is gone (fresh CLAUDE_CONFIG_DIR, deleted files): start over with the history as text.
            log.warn('claude session transcript missing; starting a new session', { sessionId: turn.sessionId });
            content = prependText(content, historyPreamble(turn.history));
            session.close();
            ({ session, reused, pooled } = acquire({ ...turn, sessionId: undefined }));
            retry = true;
            break;
          }
          if (out.type === 'session_lost' && attempt === 0 && reused) {
            // A warm process that died while idle; a fresh one resumes the same session.
            ({ session, reused, pooled } = acquire(turn));
            retry = true;
            break;
          }
          if (out.type === 'resume_missing' || out.type === 'session_lost') {
            yield { type: 'error', code: 'provider_error', message: describeFailure('provider_error', 'Claude Code', out.message), partialText: '' };
            return;
          }
          yield out;
        }
      } finally {
        if (!retry) release(turn.conversationId, session, pooled);
      }
      if (!retry) return;
    }
  }

  return {
    async *run(turn) {
      // The contract says run() never throws: anything unexpected still ends the turn with one error.
      let final = false;
      try {
        for await (const ev of runTurn(turn)) {
          if (ev.type === 'done' || ev.type === 'error') final = true;
          yield ev;
        }
      } catch (err) {
        log.error('claude provider failed', { err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        if (!final) yield { type: 'error', code: 'provider_error', message: describeFailure('provider_error', 'Claude Code', String(err)), partialText: '' };
      }
    },
    async close() {
      const all = [...running];
      sessions.clear();
      for (const s of all) s.close();
      await Promise.allSettled(all.map((s) => s.exited));
    },
  };
}
