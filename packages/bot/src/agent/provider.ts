// Picks the provider for the configured settings. The supervisor builds a new provider when the
// settings change and closes the old one (which stops its warm Claude Code processes).
import { createClaudeProvider } from './claude.ts';
import { createOllamaProvider } from './ollama.ts';
import { createOpenAIProvider } from './openai.ts';
import type { AgentEnvironment, AgentProvider, AgentProviderOptions, Logger, ProviderSettings } from './types.ts';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function createAgentProvider(
  settings: ProviderSettings,
  env: AgentEnvironment,
  log: Logger = silent,
  options: AgentProviderOptions = {},
): AgentProvider {
  switch (settings.provider) {
    case 'anthropic':
      return createClaudeProvider(settings, env, log, options);
    case 'openai':
      return createOpenAIProvider(settings, log, options);
    case 'ollama':
      return createOllamaProvider(settings, log, options);
  }
}
