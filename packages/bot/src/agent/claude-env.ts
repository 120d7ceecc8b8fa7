// The Claude Code child's whole environment. options.env replaces process.env for the child, and
// the supervisor's environment holds secrets (session keys, relay tokens) the agent must not see,
// so only this allow-list goes through.
import type { AgentEnvironment, ProviderSettings } from './types.ts';

const PASSED_THROUGH = ['PATH', 'HOME', 'LANG', 'TMPDIR'] as const;

export function buildClaudeEnv(settings: ProviderSettings, env: AgentEnvironment, maxRetries: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) out[name] = value;
  }
  if (settings.apiKey) out['ANTHROPIC_API_KEY'] = settings.apiKey;
  if (settings.baseUrl) out['ANTHROPIC_BASE_URL'] = settings.baseUrl.replace(/\/+$/, '');
  // Transcripts live here; resume after a restart needs it to persist.
  out['CLAUDE_CONFIG_DIR'] = env.claudeConfigDir;
  // As root, bypassPermissions refuses to start unless it is told it runs in a sandbox.
  out['IS_SANDBOX'] = '1';
  // No connectivity probe, title request or telemetry: less latency, nothing leaves but the model call.
  out['CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC'] = '1';
  // Its default retries a 429/5xx for minutes while the chat shows nothing; fail sooner and say why.
  out['CLAUDE_CODE_MAX_RETRIES'] = String(maxRetries);
  return out;
}
