import { type ApiResult, api, type OnboardStatus } from '../api.ts';

export type Provider = 'anthropic' | 'openai' | 'ollama';

export interface WizardState {
  provider: Provider;
  model: string;
  apiKey: string;
  baseUrl: string;
  username: string;
  password: string;
  password2: string;
  currentPassword: string;
  whisperKey: string;
  reuseOpenAiKey: boolean;
}

export interface StepProps {
  state: WizardState;
  update: (change: Partial<WizardState>) => void;
  status: OnboardStatus;
  next: () => void;
  back: () => void;
}

export const DEFAULT_MODEL: Record<Provider, string> = {
  anthropic: 'claude-sonnet-4-5',
  openai: 'gpt-5',
  ollama: 'llama3.2',
};

/** Suggested models; any other name can be typed (an OpenAI-compatible server has its own). */
export const MODELS: Record<Provider, [id: string, name: string, blurb: string][]> = {
  anthropic: [
    ['claude-sonnet-4-5', 'Claude Sonnet 4.5', 'Best balance of speed and skill'],
    ['claude-opus-4-1', 'Claude Opus 4.1', 'Most capable, slower and pricier'],
    ['claude-haiku-4-5', 'Claude Haiku 4.5', 'Fastest and cheapest'],
  ],
  openai: [
    ['gpt-5', 'GPT-5', 'Most capable'],
    ['gpt-5-mini', 'GPT-5 mini', 'Faster and cheaper'],
    ['gpt-5-nano', 'GPT-5 nano', 'Fastest, for simple tasks'],
  ],
  ollama: [],
};

/** Whether the stored API key can be kept: one exists, for the provider chosen now. */
export function canKeepKey(state: WizardState, status: OnboardStatus): boolean {
  return !!status.hasApiKey && status.provider === state.provider;
}

/** One POST with everything; fields left empty keep what is stored. */
export function saveSettings(state: WizardState, status: OnboardStatus): Promise<ApiResult<OnboardStatus>> {
  const body: Record<string, string> = { provider: state.provider, model: state.model.trim() };
  if (state.username.trim()) body.username = state.username.trim();
  if (state.password) body.password = state.password;
  if (state.password && status.hasPassword) body.currentPassword = state.currentPassword;
  const apiKey = state.apiKey.trim();
  if (apiKey && state.provider !== 'ollama') body.apiKey = apiKey;
  if (state.baseUrl.trim()) body.baseUrl = state.baseUrl.trim();
  const whisperKey = state.provider === 'openai' && state.reuseOpenAiKey ? apiKey : state.whisperKey.trim();
  if (whisperKey) body.whisperKey = whisperKey;
  return api<OnboardStatus>('/api/onboard', { method: 'POST', body });
}
