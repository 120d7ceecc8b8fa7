// One Claude Code process driven in streaming-input mode: each turn pushes one user message and
// reads until that turn's `result`. Kept alive between turns, the next turn reaches the model in
// about 30 ms instead of the 400 ms a fresh process needs. Abort uses the CLI's own interrupt,
// which keeps the process (and the session's history) usable for the next turn.
import { performance } from 'node:perf_hooks';
import { type Options, type Query, query, type SDKMessage, type SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import { AsyncQueue } from './async-queue.ts';
import type { ClaudeContent } from './claude-input.ts';
import { ClaudeProcess } from './claude-process.ts';
import { ClaudeTurnMapper, type TurnOutcome } from './claude-turn.ts';
import { codeForNetworkError, describeFailure } from './errors.ts';
import type { Logger } from './types.ts';

/** After user:stop, how long the CLI gets to confirm the interrupt before its process is killed. */
const INTERRUPT_GRACE_MS = 600;
const STDERR_TAIL = 4096;

export type SessionOutcome = TurnOutcome | { type: 'session_lost'; message: string };

export class ClaudeSession {
  state: 'idle' | 'busy' | 'closed' = 'idle';
  /** Known once the CLI's init message arrived (for a resumed session, the id it resumed). */
  sessionId: string | undefined;
  lastUsed = Date.now();
  idleTimer: NodeJS.Timeout | undefined;
  turns = 0;
  private readonly input = new AsyncQueue<SDKUserMessage>();
  private readonly query: Query;
  private readonly iterator: AsyncIterator<SDKMessage>;
  private pending: Promise<IteratorResult<SDKMessage>> | undefined;
  private cost = 0;
  private stderrTail = '';
  private readonly process: ClaudeProcess;

  constructor(
    options: Options,
    resume: string | undefined,
    private readonly log: Logger,
    private readonly toWorkspacePath: (p: string) => string | undefined,
  ) {
    this.sessionId = resume;
    this.process = new ClaudeProcess(log, (data) => {
      this.stderrTail = (this.stderrTail + data).slice(-STDERR_TAIL);
    });
    this.query = query({
      prompt: this.input,
      options: { ...options, ...(resume ? { resume } : {}), spawnClaudeCodeProcess: this.process.spawn },
    });
    this.iterator = this.query[Symbol.asyncIterator]();
  }

  async *runTurn(content: ClaudeContent, signal: AbortSignal): AsyncGenerator<SessionOutcome> {
    this.state = 'busy';
    this.turns++;
    const mapper = new ClaudeTurnMapper(this.toWorkspacePath, this.cost);
    const zero = { inputTokens: 0, outputTokens: 0 };
    let completed = false;
    let abortedAt: number | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'abort'>((resolve) => {
      onAbort = () => resolve('abort');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    let grace: Promise<'grace'> | undefined;
    try {
      if (signal.aborted) {
        completed = true;
        yield mapper.done(zero, true);
        return;
      }
      this.input.push({ type: 'user', message: { role: 'user', content }, parent_tool_use_id: null });
      for (;;) {
        // Checked before racing: a stream that always has a message ready would otherwise win every race.
        if (signal.aborted && abortedAt === undefined) {
          abortedAt = performance.now();
          this.query.interrupt().catch((err: unknown) => this.log.debug('claude interrupt failed', { err: String(err) }));
          grace = new Promise((resolve) => {
            graceTimer = setTimeout(() => resolve('grace'), INTERRUPT_GRACE_MS);
          });
        }
        this.pending ??= this.iterator.next();
        const next = await Promise.race([this.pending, abortedAt === undefined ? aborted : (grace as Promise<'grace'>)]);
        if (next === 'abort') continue;
        if (next === 'grace') {
          this.log.warn('claude interrupt not confirmed in time; stopping its process', { sessionId: this.sessionId });
          this.close();
          completed = true;
          yield mapper.done(zero, true);
          return;
        }
        this.pending = undefined;
        if (next.done) {
          this.close();
          completed = true;
          if (abortedAt !== undefined) yield mapper.done(zero, true);
          else yield this.lost(mapper, 'Claude Code stopped before finishing the turn.');
          return;
        }
        const msg = next.value;
        if (msg.type === 'result') {
          const { outcome, cost } = mapper.finish(msg);
          this.cost = cost;
          completed = true;
          if (abortedAt !== undefined) {
            yield mapper.done(outcome.type === 'done' ? outcome.usage : zero, true);
          } else {
            // After a failed turn start the next one on a fresh process: cheap, and no stale state.
            if (outcome.type !== 'done') this.close();
            yield outcome;
          }
          return;
        }
        // After user:stop nothing more reaches the user; the loop only waits for the CLI to settle.
        // Except the session id: without it the next turn could not resume this one's context.
        if (abortedAt !== undefined) {
          if (msg.type === 'system' && (msg as { subtype?: string }).subtype === 'init') {
            for (const ev of mapper.handle(msg, performance.now())) if (ev.type === 'session') yield ev;
            if (mapper.sessionId) this.sessionId = mapper.sessionId;
          }
          continue;
        }
        const events = mapper.handle(msg, performance.now());
        if (mapper.sessionId) this.sessionId = mapper.sessionId;
        for (const ev of events) yield ev;
      }
    } catch (err) {
      this.close();
      completed = true;
      if (abortedAt !== undefined || signal.aborted) {
        yield mapper.done(zero, true);
        return;
      }
      yield this.lost(mapper, err instanceof Error ? err.message : String(err), err);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      if (graceTimer) clearTimeout(graceTimer);
      // A consumer that stopped reading mid-turn leaves the rest of that turn in the pipe.
      if (!completed) this.close();
      if (this.state === 'busy') this.state = 'idle';
      this.lastUsed = Date.now();
    }
  }

  /** The process failed outside any model call; the provider may retry once on a fresh one. */
  private lost(mapper: ClaudeTurnMapper, reason: string, err?: unknown): SessionOutcome {
    this.log.warn('claude process failed', { reason, stderr: this.stderrTail.slice(-1000) });
    if (!mapper.visible) return { type: 'session_lost', message: reason };
    // "Claude Code process terminated by signal" is the CLI dying, not a dropped connection.
    const crashed = err instanceof Error && /process (exited|terminated)/i.test(err.message);
    const code = crashed ? 'provider_error' : (codeForNetworkError(err) ?? 'provider_error');
    return { type: 'error', code, message: describeFailure(code, 'Claude Code', reason), partialText: mapper.text };
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.input.end();
    // A next() still pending when the process goes away rejects; nobody is waiting for it any more.
    this.pending?.catch((err: unknown) => this.log.debug('claude session closed mid-read', { err: String(err) }));
    this.pending = undefined;
    this.query.close();
    this.process.stop();
  }

  /** Resolves when the process has exited (at most a few seconds after close()). */
  get exited(): Promise<void> {
    return this.process.exited;
  }
}
