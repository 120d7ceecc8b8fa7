import {
  HandleAvailabilityQuerySchema,
  type HandleAvailability,
  type HandleUnavailableReason,
  RegisterRequestSchema,
  type RegisterResponse,
} from '@fluxy/protocol';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddress, rateLimitKey } from '../client-address.ts';
import { checkHandleName, handleHost, relayUrlFor } from '../handles.ts';
import type { RateLimiter } from '../rate-limit.ts';
import { changeKey, type ClaimRefusal } from '../store/index.ts';
import { bearerToken, createToken, hashToken } from '../tokens.ts';
import { readJson } from './body.ts';
import type { ApiContext } from './context.ts';
import { ApiFailure, sendJson } from './respond.ts';

const REFUSALS: Record<HandleUnavailableReason, [status: number, code: string, message: string]> = {
  invalid: [400, 'invalid_handle', 'A handle is 3–32 lowercase letters, digits and inner hyphens.'],
  reserved: [409, 'handle_reserved', 'This handle is reserved.'],
  taken: [409, 'handle_taken', 'This handle is taken.'],
  cooling_off: [409, 'handle_cooling_off', 'This handle was released recently and cannot be claimed yet.'],
  entitlement_required: [403, 'entitlement_required', 'A premium handle needs an entitlement from the operator.'],
};

export function refusalFailure(reason: HandleUnavailableReason | ClaimRefusal): ApiFailure {
  const [status, code, message] = REFUSALS[reason];
  return new ApiFailure(status, code, message);
}

/** A 429 with Retry-After when `retryAfter` (seconds) is set. */
export function refuseIfLimited(retryAfter: number | undefined): void {
  if (retryAfter !== undefined) {
    throw new ApiFailure(429, 'rate_limited', `Too many requests; try again in ${retryAfter} s.`, { 'Retry-After': String(retryAfter) });
  }
}

/** The key the per-address limits count this request by. */
export function addressKey(ctx: ApiContext, req: IncomingMessage): string {
  return rateLimitKey(clientAddress(req, ctx.trustProxy));
}

function limit(ctx: ApiContext, limiter: RateLimiter, req: IncomingMessage): void {
  refuseIfLimited(limiter.hit(addressKey(ctx, req)));
}

/** Hash of a presented bearer token: the holder of a released name's old token may reclaim it. */
function reclaimHash(req: IncomingMessage): string | undefined {
  const token = bearerToken(req.headers.authorization);
  return token ? hashToken(token) : undefined;
}

/** `GET /api/handles/:name?tier=` */
export async function checkAvailability(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, name: string, query: URLSearchParams) {
  limit(ctx, ctx.availabilityLimiter, req);
  const q = HandleAvailabilityQuerySchema.safeParse(Object.fromEntries(query));
  if (!q.success) throw new ApiFailure(400, 'bad_request', 'tier must be free or premium.');
  const reason = checkHandleName(name) ?? (await ctx.store.claimRefusal(name, q.data.tier, ctx.now(), reclaimHash(req)));
  const host = reason === 'invalid' ? {} : { host: handleHost(name, q.data.tier, ctx.domain) };
  const body: HandleAvailability = reason ? { available: false, reason, ...host } : { available: true, ...host };
  sendJson(res, 200, body);
}

/** `POST /api/register {username, tier}` → 201 with the token, shown this once. */
export async function register(ctx: ApiContext, req: IncomingMessage, res: ServerResponse) {
  limit(ctx, ctx.registerLimiter, req);
  const { username, tier } = await readJson(req, RegisterRequestSchema, ctx.maxBodyBytes);
  const name = username.trim().toLowerCase();
  const invalid = checkHandleName(name);
  if (invalid) throw refusalFailure(invalid);
  const token = createToken();
  const result = await ctx.store.createHandle({ name, tier, tokenHash: hashToken(token), now: ctx.now(), reclaimTokenHash: reclaimHash(req) });
  if (!result.ok) throw refusalFailure(result.reason);
  ctx.changed(changeKey(tier, name));
  ctx.logger.info('handle registered', { handle: name, tier });
  const body: RegisterResponse = { token, relayUrl: relayUrlFor(name, tier, ctx.domain, ctx.scheme), username: name, tier };
  sendJson(res, 201, body);
}
