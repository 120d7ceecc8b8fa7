import { z } from 'zod';

/**
 * The relay's HTTP API (`/api/*` on the relay's own hosts): request bodies and answers.
 * Browser-safe: no Node imports here. Errors use `ApiErrorSchema` from `errors.ts`.
 */

export const RelayTierSchema = z.enum(['free', 'premium']);
export type RelayTier = z.infer<typeof RelayTierSchema>;

/**
 * A handle: lowercase letters, digits and inner hyphens, 3–32 long. Checked here for shape only;
 * the relay also refuses reserved names.
 */
export const HANDLE_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,30})[a-z0-9]$/;
export const RelayHandleSchema = z.string().regex(HANDLE_PATTERN, 'lowercase letters, digits and inner hyphens, 3–32 long');

/** Why a handle cannot be had; `GET /api/handles/:name` answers one of these as `reason`. */
export const HandleUnavailableReasonSchema = z.enum([
  'invalid',
  'reserved',
  'taken',
  'cooling_off',
  'entitlement_required',
]);
export type HandleUnavailableReason = z.infer<typeof HandleUnavailableReasonSchema>;

/** `GET /api/handles/:name?tier=free|premium` */
export const HandleAvailabilityQuerySchema = z.object({ tier: RelayTierSchema.default('free') });
export const HandleAvailabilitySchema = z.object({
  available: z.boolean(),
  reason: HandleUnavailableReasonSchema.optional(),
  /** The address the handle has on this relay (`NAME.my.D`, `NAME.D` for premium), for a name of valid shape: a wizard shows it as the user types. */
  host: z.string().optional(),
});
export type HandleAvailability = z.infer<typeof HandleAvailabilitySchema>;

/** `POST /api/register` — the name is checked by the relay so that each refusal says why. */
export const RegisterRequestSchema = z.object({
  username: z.string().max(64),
  tier: RelayTierSchema.default('free'),
});
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;
/** `201`: the raw token is shown this once; the relay keeps only its SHA-256. */
export const RegisterResponseSchema = z.object({
  token: z.string(),
  relayUrl: z.string(),
  username: z.string(),
  tier: RelayTierSchema,
});
export type RegisterResponse = z.infer<typeof RegisterResponseSchema>;

/** A tunnel URL as the bot sends it; the relay checks scheme and address. */
export const TunnelUrlSchema = z.string().min(1).max(2048);

/** `PUT /api/tunnel` (token) */
export const TunnelUpdateRequestSchema = z.object({ tunnelUrl: TunnelUrlSchema });
/** `POST /api/heartbeat` (token) */
export const HeartbeatRequestSchema = z.object({ tunnelUrl: TunnelUrlSchema.optional() });
/** `POST /api/handle/change` (token) */
export const HandleChangeRequestSchema = z.object({ username: z.string().max(64) });

/** What the token routes answer with: the handle as the relay now sees it. */
export const RelayHandleStatusSchema = z.object({
  ok: z.literal(true),
  username: z.string(),
  tier: RelayTierSchema,
  relayUrl: z.string(),
  tunnelUrl: z.string().nullable(),
  online: z.boolean(),
});
export type RelayHandleStatus = z.infer<typeof RelayHandleStatusSchema>;

/** `DELETE /api/handle` (token) */
export const HandleReleaseResponseSchema = z.object({ ok: z.literal(true), released: z.string() });

/** `GET /healthz` */
export const RelayHealthSchema = z.object({ ok: z.boolean(), db: z.boolean() });
