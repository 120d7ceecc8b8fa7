import type { OnboardInput, OnboardStatus, Provider } from '@fluxy/protocol';
import { hashPassword } from '../shared/passwords.ts';
import type { SettingsStore } from './settings.ts';

export const DEFAULT_MODELS: Record<Provider, string> = {
  anthropic: 'claude-sonnet-4-5',
  openai: 'gpt-5',
  ollama: 'llama3.2',
};

export async function applyOnboard(settings: SettingsStore, input: OnboardInput): Promise<void> {
  const values: Parameters<SettingsStore['setMany']>[0] = {};
  if (input.password !== undefined) values.portalPassword = await hashPassword(input.password);
  if (input.username !== undefined) values.portalUsername = input.username;
  if (input.provider !== undefined) {
    values.provider = input.provider;
    if (input.model === undefined && settings.get('provider') !== input.provider) values.model = DEFAULT_MODELS[input.provider];
  }
  if (input.model !== undefined) values.model = input.model;
  if (input.apiKey !== undefined) values.apiKey = input.apiKey;
  if (input.baseUrl !== undefined) values.baseUrl = input.baseUrl;
  if (input.whisperKey !== undefined) values.whisperKey = input.whisperKey;
  if (input.whisperBaseUrl !== undefined) values.whisperBaseUrl = input.whisperBaseUrl;
  if (input.autoRollback !== undefined) values.autoRollback = String(input.autoRollback);
  const hasPassword = values.portalPassword !== undefined || settings.get('portalPassword') !== undefined;
  const provider = values.provider ?? settings.get('provider');
  if (hasPassword && provider) values.onboarded = 'true';
  settings.setMany(values);
}

export function onboardStatus(settings: SettingsStore): OnboardStatus {
  return {
    configured: settings.get('onboarded') === 'true',
    hasPassword: settings.get('portalPassword') !== undefined,
    hasApiKey: settings.get('apiKey') !== undefined,
    hasWhisperKey: settings.get('whisperKey') !== undefined,
    provider: settings.get('provider'),
    model: settings.get('model'),
    username: settings.get('portalUsername'),
  };
}
