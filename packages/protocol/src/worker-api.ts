import { z } from 'zod';
import { ConversationSchema, MessageAttachmentSchema, MessageRoleSchema, MessageSchema, MessageStatusSchema } from './messages.ts';
import { RelayTierSchema } from './relay.ts';

/**
 * The worker's HTTP API (`/api/*` on port N+1): each request body the worker validates and each
 * reply the supervisor validates, grouped by route. Types come from these schemas. Browser-safe:
 * the chat app uses them too.
 */

const id = z.string().min(1).max(128);
const tokens = z.number().int().min(0).max(1e9);

// --- conversations and messages -----------------------------------------------------------------

export const NewConversationSchema = z.object({ id: id.optional(), title: z.string().max(500).optional(), model: z.string().max(200).optional() });
export type NewConversation = z.infer<typeof NewConversationSchema>;
export const ConversationChangeSchema = z.object({
  title: z.string().max(500).optional(),
  model: z.string().max(200).nullable().optional(),
  sessionId: z.string().max(200).nullable().optional(),
});
export type ConversationChange = z.infer<typeof ConversationChangeSchema>;
export const NewMessageSchema = z.object({
  id: id.optional(),
  role: MessageRoleSchema,
  content: z.string().max(2_000_000),
  status: MessageStatusSchema.optional(),
  inputTokens: tokens.optional(),
  outputTokens: tokens.optional(),
  costUsd: z.number().min(0).max(1e6).optional(),
  attachments: z.array(MessageAttachmentSchema).max(20).optional(),
  /** The chat's `clientMessageId` (a user message): a second message with it is refused, 409 `conflict`. */
  clientMessageId: id.optional(),
  /** The user message this answer answers. */
  replyTo: id.optional(),
});
export type NewMessage = z.infer<typeof NewMessageSchema>;
export const MessageChangeSchema = NewMessageSchema.pick({ content: true, status: true, inputTokens: true, outputTokens: true, costUsd: true }).partial();
export type MessageChange = z.infer<typeof MessageChangeSchema>;
export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: z.string().max(64).optional(),
});

export const ConversationListSchema = z.object({ conversations: z.array(ConversationSchema) });
export const ConversationWithMessagesSchema = ConversationSchema.extend({ messages: z.array(MessageSchema) });
export type ConversationWithMessages = z.infer<typeof ConversationWithMessagesSchema>;
export const MessageListSchema = z.object({ messages: z.array(MessageSchema) });
/**
 * `GET /api/messages/by-client-id/:clientMessageId` (404 when none): the user message stored with
 * that id and its answer, if a turn ever started for it.
 */
export const ClientMessageLookupSchema = z.object({ message: MessageSchema, answer: MessageSchema.nullable() });
export type ClientMessageLookup = z.infer<typeof ClientMessageLookupSchema>;

/** `GET /api/context/current` and `POST /api/context/set`: the conversation the chat opens on. */
export const CurrentConversationSchema = z.object({ conversationId: id.nullable() });

// --- settings and onboarding --------------------------------------------------------------------

export const ProviderSchema = z.enum(['anthropic', 'openai', 'ollama']);
export type Provider = z.infer<typeof ProviderSchema>;

const httpUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((u) => /^https?:\/\/[^\s]+$/i.test(u) && URL.canParse(u), 'must be an http(s) URL');

/** What the wizard (`POST /api/onboard`, `settings:save`) and `fluxy setup` write: one schema, one writer. */
export const OnboardSchema = z.object({
  username: z.string().trim().min(1).max(64).optional(),
  password: z.string().min(1).max(1024).optional(),
  provider: ProviderSchema.optional(),
  model: z.string().trim().min(1).max(200).optional(),
  apiKey: z.string().trim().min(1).max(8192).optional(),
  baseUrl: httpUrl.optional(),
  whisperKey: z.string().trim().min(1).max(8192).optional(),
  whisperBaseUrl: httpUrl.optional(),
  /** After a turn that breaks the app, go back to the last good checkpoint without asking. */
  autoRollback: z.boolean().optional(),
});
export type OnboardInput = z.infer<typeof OnboardSchema>;
/** `PUT /api/settings`, `POST /api/onboard`: changing an existing password needs the current one. */
export const SettingsSaveBodySchema = OnboardSchema.extend({ currentPassword: z.string().max(1024).optional() });
export type SettingsSaveBody = z.infer<typeof SettingsSaveBodySchema>;

/** `GET|PUT /api/settings`: public values, and for each secret only whether it is set. */
export const PublicSettingsSchema = z.object({
  provider: z.string().optional(),
  model: z.string().optional(),
  baseUrl: z.string().optional(),
  portalUsername: z.string().optional(),
  onboarded: z.string().optional(),
  activeConversationId: z.string().optional(),
  whisperBaseUrl: z.string().optional(),
  autoRollback: z.boolean().optional(),
  hasApiKey: z.boolean(),
  hasWhisperKey: z.boolean(),
  hasPortalPassword: z.boolean(),
});
export type PublicSettings = z.infer<typeof PublicSettingsSchema>;

/**
 * `GET /api/onboard/status`: what the wizard needs to know to pick up where it stopped, and which
 * keys are stored (so their fields can be left empty to keep them; never the keys).
 */
export const OnboardStatusSchema = PublicSettingsSchema.pick({ provider: true, model: true, hasApiKey: true, hasWhisperKey: true }).extend({
  configured: z.boolean(),
  hasPassword: z.boolean(),
  username: PublicSettingsSchema.shape.portalUsername,
});
export type OnboardStatus = z.infer<typeof OnboardStatusSchema>;

// --- portal ---------------------------------------------------------------------------------------

export const LoginBodySchema = z.object({ username: z.string().max(256).optional(), password: z.string().min(1).max(1024) });
/** `POST /api/portal/setup-token` and `/api/portal/validate-token`. */
export const TokenBodySchema = z.object({ token: z.string().min(1).max(512) });
export const SessionReplySchema = z.object({ token: z.string(), expiresAt: z.string() });
/** `GET /api/portal/session` (open, always 200): lets the login page ask without a 401. */
export const PortalSessionSchema = z.object({ signedIn: z.boolean(), hasAccount: z.boolean() });
export type PortalSession = z.infer<typeof PortalSessionSchema>;
export const TokenCheckSchema = z.object({ valid: z.boolean(), expiresAt: z.number().optional() });
export type TokenCheck = z.infer<typeof TokenCheckSchema>;

// --- health and the supervisor's internal routes -------------------------------------------------

export const ChildSnapshotSchema = z.object({
  state: z.string(),
  pid: z.number().nullable(),
  port: z.number(),
  restarts: z.number(),
  since: z.string(),
  lastExit: z.unknown(),
});
export const ChildrenReportSchema = z.record(z.string(), ChildSnapshotSchema);
export const OkReplySchema = z.object({ ok: z.literal(true) });
export const HealthReplySchema = z.object({
  ok: z.boolean(),
  version: z.string(),
  uptimeMs: z.number().optional(),
  children: z.record(z.string(), z.unknown()),
});
export type HealthReply = z.infer<typeof HealthReplySchema>;

/** `GET /api/internal/provider-settings` (secret only): what the agent and Whisper need, secrets included. */
export const ProviderSettingsReplySchema = z.object({
  provider: ProviderSchema.optional(),
  model: z.string().optional(),
  apiKey: z.string().optional(),
  baseUrl: z.string().optional(),
  whisperKey: z.string().optional(),
  whisperBaseUrl: z.string().optional(),
  autoRollback: z.boolean().optional(),
});
export type ProviderSettingsReply = z.infer<typeof ProviderSettingsReplySchema>;

export const TranscribeBodySchema = z.object({ audio: z.string().min(1), mediaType: z.string().max(255).optional() });
export const TranscribeReplySchema = z.object({ text: z.string() });

/**
 * Set to `1` on a worker reply after a write that changed the provider settings: the supervisor
 * drops its settings cache and strips the header before the reply goes on.
 */
export const SETTINGS_CHANGED_HEADER = 'x-fluxy-settings-changed';

/** `GET /api/internal/portal` (secret only): no tunnel starts and nothing is registered before a password exists. */
export const PortalStateSchema = z.object({ passwordSet: z.boolean() });
export type PortalState = z.infer<typeof PortalStateSchema>;

// --- the public handle (the wizard's Handle step) --------------------------------------------------
// The worker calls the relay with the token kept in config.json; the browser never sees the token.
// A refusal of the relay comes back with the relay's status and code (`handle_taken`,
// `invalid_handle`, `handle_reserved`, `handle_cooling_off`, `entitlement_required`,
// `rate_limited`); a relay that cannot be reached is `502 relay_unreachable`.

/** `GET /api/handle`: what this bot holds. */
export const HandleInfoSchema = z.object({
  /** A relay was chosen (`fluxy setup --relay`) or a handle is held: the wizard shows its Handle step only then. */
  configured: z.boolean(),
  relayUrl: z.string(),
  handle: z.string().nullable(),
  tier: RelayTierSchema.nullable(),
  /** `https://NAME.my.D` once registered. */
  publicUrl: z.string().nullable(),
});
export type HandleInfo = z.infer<typeof HandleInfoSchema>;

/** `GET /api/handle/check?name=&tier=` answers `HandleAvailabilitySchema` (relay.ts). */
export const HandleCheckQuerySchema = z.object({ name: z.string().min(1).max(64), tier: RelayTierSchema.default('free') });
export type HandleCheckQuery = z.infer<typeof HandleCheckQuerySchema>;

/**
 * `POST /api/handle/register`: claims the name (or renames the one this bot holds); answers
 * `HandleInfoSchema`. Like `change`, it needs the portal password to exist first (409
 * `password_required`): a wizard checks availability at its Handle step and registers once the
 * password is set (or asks for the password first).
 */
export const HandleRegisterBodySchema = z.object({ username: z.string().min(1).max(64), tier: RelayTierSchema.default('free') });
export type HandleRegisterBody = z.infer<typeof HandleRegisterBodySchema>;

/** `POST /api/handle/change`: renames the handle this bot holds; answers `HandleInfoSchema`. */
export const HandleChangeBodySchema = z.object({ username: z.string().min(1).max(64) });
export type HandleChangeBody = z.infer<typeof HandleChangeBodySchema>;

/** `POST /api/handle/release`: gives the name up; answers `HandleInfoSchema` (handle null). */
