// How the Claude Code CLI reports a failed model call, found by running it against the fake
// server: the turn ends with a `result` whose is_error is true, api_error_status holds the HTTP
// status (null for connection failures), `result` holds its message (e.g. "API Error: Connection
// refused … (ECONNREFUSED)", "Connection lost mid-response"), and a synthetic assistant message
// before it carries `error` ('authentication_failed', 'rate_limit', 'server_error', …).
import type { SDKAssistantMessageError } from '@anthropic-ai/claude-agent-sdk';
import { codeForStatus, describeFailure } from './errors.ts';
import type { AgentErrorCode } from './types.ts';

export interface ClaudeFailure {
  status?: number | null;
  assistantError?: SDKAssistantMessageError;
  text: string;
}

export function classifyClaudeFailure(f: ClaudeFailure): AgentErrorCode {
  if (typeof f.status === 'number' && f.status > 0) return codeForStatus(f.status);
  // Connection failures carry no status; the errno in the text tells refused from dropped.
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Connection refused|Unable to connect/i.test(f.text)) {
    return 'provider_unavailable';
  }
  if (/mid-response|ECONNRESET|EPIPE|Connection (dropped|lost|closed)|socket hang up|terminated/i.test(f.text)) {
    return 'stream_interrupted';
  }
  switch (f.assistantError) {
    case 'authentication_failed':
    case 'oauth_org_not_allowed':
    case 'account_on_hold':
    case 'verification_required':
    case 'billing_error':
    case 'cloud_credential_error':
      return 'auth_failed';
    case 'rate_limit':
      return 'rate_limited';
    case 'invalid_request':
    case 'model_not_found':
      return 'bad_request';
    default:
      return 'provider_error';
  }
}

export function describeClaudeFailure(f: ClaudeFailure): { code: AgentErrorCode; message: string } {
  const code = classifyClaudeFailure(f);
  const detail = f.text.replace(/^API Error:\s*/i, '');
  return { code, message: describeFailure(code, 'The Anthropic API', detail) };
}

export const RESUME_MISSING = /No conversation found with session ID/i;
