// Maps the Claude Agent SDK's messages for one turn onto AgentEvents. Pure bookkeeping, no I/O,
// so the session code around it only has to deal with processes and timing.
import type { SDKAssistantMessageError, SDKMessage, SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import { describeClaudeFailure, RESUME_MISSING } from './claude-errors.ts';
import { summarizeTool } from './tool-summary.ts';
import type { AgentEvent, AgentUsage } from './types.ts';

/** Tools whose input names a file they write; their successful runs make up filesChanged. */
const WRITING_TOOLS: Record<string, string> = {
  Write: 'file_path',
  Edit: 'file_path',
  MultiEdit: 'file_path',
  NotebookEdit: 'notebook_path',
};

export type TurnOutcome = AgentEvent | { type: 'resume_missing'; message: string };

export class ClaudeTurnMapper {
  text = '';
  sessionId: string | undefined;
  /** Set once the turn has given the user something (a token or a tool); a retry would duplicate it. */
  visible = false;
  private readonly tools = new Map<string, { name: string; input: Record<string, unknown>; summary?: string }>();
  private readonly files = new Set<string>();
  private readonly streamedMessageIds = new Set<string>();
  private currentMessageId: string | undefined;
  private needsSeparator = false;
  private assistantError: SDKAssistantMessageError | undefined;

  constructor(
    private readonly toWorkspacePath: (p: string) => string | undefined,
    /** The session's cumulative cost before this turn: results report a running total. */
    private readonly costBefore: number,
  ) {}

  handle(msg: SDKMessage, receivedAt: number): AgentEvent[] {
    switch (msg.type) {
      case 'system':
        if (msg.subtype === 'init' && msg.session_id && msg.session_id !== this.sessionId) {
          this.sessionId = msg.session_id;
          return [{ type: 'session', sessionId: msg.session_id }];
        }
        return [];
      case 'stream_event':
        return msg.parent_tool_use_id === null ? this.onStreamEvent(msg.event, receivedAt) : [];
      case 'assistant':
        return this.onAssistant(msg, receivedAt);
      case 'user':
        return this.onUser(msg.message.content);
      default:
        return [];
    }
  }

  private onStreamEvent(event: Extract<SDKMessage, { type: 'stream_event' }>['event'], receivedAt: number): AgentEvent[] {
    if (event.type === 'message_start') {
      this.currentMessageId = event.message.id;
    } else if (event.type === 'content_block_start' && event.content_block.type === 'text') {
      // Text blocks of separate steps (before and after a tool run) would otherwise run together.
      if (this.text !== '') this.needsSeparator = true;
    } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta' && event.delta.text) {
      if (this.currentMessageId) this.streamedMessageIds.add(this.currentMessageId);
      return [this.token(event.delta.text, receivedAt)];
    }
    return [];
  }

  private onAssistant(msg: Extract<SDKMessage, { type: 'assistant' }>, receivedAt: number): AgentEvent[] {
    if (msg.error) {
      // A synthetic message standing for a failed API call; its text is the error, not a reply.
      this.assistantError = msg.error;
      return [];
    }
    const events: AgentEvent[] = [];
    const topLevel = msg.parent_tool_use_id === null;
    for (const block of msg.message.content) {
      if (block.type === 'tool_use') {
        const input = (block.input ?? {}) as Record<string, unknown>;
        const summary = summarizeTool(block.name, input, this.toWorkspacePath);
        this.tools.set(block.id, { name: block.name, input, summary });
        this.visible = true;
        events.push({ type: 'tool', id: block.id, name: block.name, status: 'started', ...(summary ? { summary } : {}) });
      } else if (block.type === 'text' && topLevel && !this.streamedMessageIds.has(msg.message.id) && block.text) {
        // Not streamed (the CLI fell back to a non-streaming request): pass the block on whole.
        if (this.text !== '') this.needsSeparator = true;
        events.push(this.token(block.text, receivedAt));
      }
    }
    return events;
  }

  private onUser(content: unknown): AgentEvent[] {
    if (!Array.isArray(content)) return [];
    const events: AgentEvent[] = [];
    for (const block of content as { type?: string; tool_use_id?: string; is_error?: boolean }[]) {
      if (block.type !== 'tool_result' || !block.tool_use_id) continue;
      const tool = this.tools.get(block.tool_use_id);
      if (!tool) continue;
      const failed = block.is_error === true;
      events.push({
        type: 'tool',
        id: block.tool_use_id,
        name: tool.name,
        status: failed ? 'error' : 'done',
        ...(tool.summary ? { summary: tool.summary } : {}),
      });
      const key = WRITING_TOOLS[tool.name];
      const target = key ? tool.input[key] : undefined;
      if (!failed && typeof target === 'string') {
        const rel = this.toWorkspacePath(target);
        if (rel) this.files.add(rel);
      }
    }
    return events;
  }

  private token(text: string, receivedAt: number): AgentEvent {
    const out = this.needsSeparator ? `\n\n${text}` : text;
    this.needsSeparator = false;
    this.text += out;
    this.visible = true;
    return { type: 'token', text: out, receivedAt };
  }

  /** The turn's final event for its result message. */
  finish(result: SDKResultMessage): { outcome: TurnOutcome; cost: number } {
    const cost = result.total_cost_usd ?? this.costBefore;
    const usage: AgentUsage = {
      inputTokens: (result.usage?.input_tokens ?? 0) + (result.usage?.cache_read_input_tokens ?? 0) + (result.usage?.cache_creation_input_tokens ?? 0),
      outputTokens: result.usage?.output_tokens ?? 0,
      costUsd: Math.max(0, cost - this.costBefore),
    };
    if (result.subtype === 'success' && !result.is_error) {
      return { outcome: this.done(usage, false), cost };
    }
    if (result.subtype === 'error_max_turns') {
      // The agent did real work up to the cap; hand it over rather than hide it behind an error.
      return { outcome: this.done(usage, false), cost };
    }
    const text = result.subtype === 'success' ? result.result : (result.errors ?? []).join('; ');
    if (RESUME_MISSING.test(text)) return { outcome: { type: 'resume_missing', message: text }, cost };
    const status = (result as { api_error_status?: number | null }).api_error_status;
    const { code, message } = describeClaudeFailure({ status, assistantError: this.assistantError, text: text || result.subtype });
    return { outcome: { type: 'error', code, message, partialText: this.text }, cost };
  }

  done(usage: AgentUsage, interrupted: boolean): AgentEvent {
    return { type: 'done', text: this.text, usage, filesChanged: [...this.files], interrupted };
  }
}
