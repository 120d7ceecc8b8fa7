// The agent layer's public surface: the provider seam, attachments and voice transcription.
export { type AttachmentLimits, DEFAULT_MAX_ATTACHMENT_BYTES, type IncomingAttachment, loadSavedAttachment, saveAttachment } from './attachments.ts';
export { AgentError } from './errors.ts';
export { findAgentLeftovers, reapAgentLeftovers } from './leftovers.ts';
export { buildSystemPromptAddendum } from './prompt.ts';
export { createAgentProvider, preloadProvider } from './provider.ts';
export type {
  AgentEnvironment,
  AgentErrorCode,
  AgentEvent,
  AgentProvider,
  AgentProviderOptions,
  AgentTurn,
  AgentUsage,
  AttachmentKind,
  Logger,
  ProviderSettings,
  SavedAttachment,
} from './types.ts';
export { MAX_WHISPER_BYTES, transcribe, type WhisperSettings, whisperSettingsFrom } from './whisper.ts';
