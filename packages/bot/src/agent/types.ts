// The seam between the supervisor and the model providers. The supervisor only ever sees these
// types; each provider turns its own wire format into AgentEvents.
import type { AgentErrorCode } from '@fluxy/protocol';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ProviderSettings {
  provider: 'anthropic' | 'openai' | 'ollama';
  model: string;
  apiKey?: string;
  /** anthropic: ANTHROPIC_BASE_URL (no /v1); openai: e.g. http://host/v1; ollama: http://127.0.0.1:11434 */
  baseUrl?: string;
}

export interface AgentEnvironment {
  /** cwd of the agent; the only directory it may modify */
  workspaceDir: string;
  /** CLAUDE_CONFIG_DIR, persistent across restarts ($FLUXY_HOME/claude): resume needs its transcripts */
  claudeConfigDir: string;
  /** workspace/files */
  filesDir: string;
}

/** Tuning that the product leaves at its defaults; tests and benchmarks change it. */
export interface AgentProviderOptions {
  /** Retries of a failed model request (429, 5xx, connection errors). Default 2. */
  maxRetries?: number;
  /**
   * Claude only: keep one Claude Code process per conversation between turns (about 30 ms to the
   * first request instead of about 400 ms). Default true.
   */
  warmSessions?: boolean;
  /** Claude only: most warm processes kept at once (each holds about 200 MB). Default 3. */
  maxWarmSessions?: number;
  /** Claude only: a warm process idle this long is stopped. Default 10 minutes. */
  warmIdleMs?: number;
  /** Claude only: the Claude Code executable, when not the one bundled with the SDK. */
  claudeExecutable?: string;
}

export type AttachmentKind = 'image' | 'document' | 'text' | 'audio' | 'file';

export interface SavedAttachment {
  /** Absolute path of the saved file (under filesDir). */
  path: string;
  /** The sanitized original name, for showing and for the model. */
  name: string;
  mediaType: string;
  kind: AttachmentKind;
  size: number;
}

export interface AgentTurn {
  conversationId: string;
  prompt: string;
  attachments: SavedAttachment[];
  /** Earlier messages, for providers without sessions (and for Claude when its transcript is lost). */
  history: { role: 'user' | 'assistant'; content: string }[];
  /** Claude Agent SDK session to resume. */
  sessionId?: string;
  /** user:stop aborts; the turn ends within 1 s with done{interrupted:true}. */
  signal: AbortSignal;
}

/** The stable codes of a failed turn; the list lives with the chat's wire codes. */
export type { AgentErrorCode } from '@fluxy/protocol';

export interface AgentUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd?: number;
}

export type AgentEvent =
  /** receivedAt = performance.now() when the SDK/client handed us the chunk (for latency benchmarks). */
  | { type: 'token'; text: string; receivedAt: number }
  /** summary: a short line for people (the file, the command), from the tool's input. */
  | { type: 'tool'; id: string; name: string; status: 'started' | 'done' | 'error'; summary?: string }
  | { type: 'session'; sessionId: string }
  /** text is the concatenation of this turn's token texts. */
  | { type: 'done'; text: string; usage: AgentUsage; filesChanged: string[]; interrupted: boolean }
  | { type: 'error'; code: AgentErrorCode; message: string; partialText: string };

export interface AgentProvider {
  /** Must not throw: every failure becomes one final `error` event. Exactly one final event per turn. */
  run(turn: AgentTurn): AsyncIterable<AgentEvent>;
  /** Stops whatever the provider keeps running between turns (warm Claude Code processes). */
  close(): Promise<void>;
}
