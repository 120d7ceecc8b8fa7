// Picks the provider for the configured settings. The supervisor builds a new provider when the
// settings change and closes the old one (which stops its warm Claude Code processes).
//
// Provider modules are loaded on first use, not at start: the Claude Agent SDK and the OpenAI
// client cost about 50 MB and 350 ms of start-up that a bot nobody is chatting with never needs.
// `preloadProvider` lets the supervisor load one ahead of the first turn (when a chat opens).
import type { AgentEnvironment, AgentEvent, AgentProvider, AgentProviderOptions, AgentTurn, Logger, ProviderSettings } from './types.ts';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

type Create = (settings: ProviderSettings, env: AgentEnvironment, log: Logger, options: AgentProviderOptions) => AgentProvider;

const loaders: Record<ProviderSettings['provider'], () => Promise<Create>> = {
  anthropic: () => import('./claude.ts').then((m) => m.createClaudeProvider),
  openai: () => import('./openai.ts').then((m) => (s: ProviderSettings, _e: AgentEnvironment, l: Logger, o: AgentProviderOptions) => m.createOpenAIProvider(s, l, o)),
  ollama: () => import('./ollama.ts').then((m) => (s: ProviderSettings, _e: AgentEnvironment, l: Logger, o: AgentProviderOptions) => m.createOllamaProvider(s, l, o)),
};

export function preloadProvider(provider: ProviderSettings['provider']): Promise<unknown> {
  return loaders[provider]();
}

export function createAgentProvider(
  settings: ProviderSettings,
  env: AgentEnvironment,
  log: Logger = silent,
  options: AgentProviderOptions = {},
): AgentProvider {
  let inner: Promise<AgentProvider> | undefined;
  const load = () => {
    inner ??= loaders[settings.provider]().then((create) => create(settings, env, log, options));
    return inner;
  };
  return {
    async *run(turn: AgentTurn): AsyncGenerator<AgentEvent> {
      let provider: AgentProvider;
      try {
        provider = await load();
      } catch (err) {
        log.error('cannot load the provider', { provider: settings.provider, error: (err as Error).message });
        yield { type: 'error', code: 'provider_error', message: `The ${settings.provider} provider could not be loaded.`, partialText: '' };
        return;
      }
      yield* provider.run(turn);
    },
    async close() {
      if (inner) await (await inner).close();
    },
  };
}
