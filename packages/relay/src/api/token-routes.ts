import {
  HandleChangeRequestSchema,
  HeartbeatRequestSchema,
  type RelayHandleStatus,
  TunnelUpdateRequestSchema,
} from '@fluxy/protocol';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { checkHandleName, relayUrlFor } from '../handles.ts';
import { checkTunnelUrl } from '../ssrf.ts';
import { changeKey, type HandleRecord } from '../store/index.ts';
import { bearerToken, hashToken } from '../tokens.ts';
import { readJson } from './body.ts';
import type { ApiContext } from './context.ts';
import { addressKey, refuseIfLimited, refusalFailure } from './handle-routes.ts';
import { ApiFailure, sendJson } from './respond.ts';

const EmptySchema = z.object({});

/**
 * The handle a bearer token belongs to; a missing, malformed or unknown token is the same 401.
 * Wrong tokens are counted per address; past the limit they get 429 with Retry-After. A valid
 * token is never refused: a bot behind the same NAT as a guesser must keep its heartbeat.
 */
async function authenticate(ctx: ApiContext, req: IncomingMessage): Promise<HandleRecord> {
  const token = bearerToken(req.headers.authorization);
  const record = token ? await ctx.store.getHandleByTokenHash(hashToken(token)) : undefined;
  if (!record) {
    if (token) refuseIfLimited(ctx.badTokenLimiter.hit(addressKey(ctx, req)));
    throw new ApiFailure(401, 'unauthorized', 'A valid relay token is required.', { 'WWW-Authenticate': 'Bearer' });
  }
  return record;
}

function status(ctx: ApiContext, r: HandleRecord): RelayHandleStatus {
  const fresh = r.online && r.lastSeenAt !== null && r.lastSeenAt >= ctx.now() - ctx.staleAfterMs;
  return { ok: true, username: r.name, tier: r.tier, relayUrl: relayUrlFor(r.name, r.tier, ctx.domain, ctx.scheme), tunnelUrl: r.tunnelUrl, online: fresh };
}

async function checkedTunnelUrl(ctx: ApiContext, raw: string): Promise<string> {
  const checked = await checkTunnelUrl(raw, ctx.allowPrivateTargets, ctx.lookup);
  if (!checked.ok) throw new ApiFailure(400, checked.problem.code, checked.problem.message);
  return checked.url;
}

/** `PUT /api/tunnel {tunnelUrl}`: where the bot is now; marks it online. */
export async function updateTunnel(ctx: ApiContext, req: IncomingMessage, res: ServerResponse) {
  const record = await authenticate(ctx, req);
  const { tunnelUrl } = await readJson(req, TunnelUpdateRequestSchema, ctx.maxBodyBytes);
  const url = await checkedTunnelUrl(ctx, tunnelUrl);
  const updated = (await ctx.store.touch(record.id, ctx.now(), url)) ?? record;
  ctx.changed(changeKey(updated.tier, updated.name));
  ctx.logger.info('tunnel updated', { handle: updated.name, tier: updated.tier, tunnelHost: new URL(url).host });
  sendJson(res, 200, status(ctx, updated));
}

/** `POST /api/heartbeat {tunnelUrl?}`: keeps the bot online. */
export async function heartbeat(ctx: ApiContext, req: IncomingMessage, res: ServerResponse) {
  const record = await authenticate(ctx, req);
  const { tunnelUrl } = await readJson(req, HeartbeatRequestSchema, ctx.maxBodyBytes);
  // Resolve and check only a URL that changed: a heartbeat every 30 s should not cost a DNS query.
  const url = tunnelUrl && tunnelUrl !== record.tunnelUrl ? await checkedTunnelUrl(ctx, tunnelUrl) : undefined;
  const now = ctx.now();
  const wasServed = record.online && record.lastSeenAt !== null && record.lastSeenAt >= now - ctx.staleAfterMs;
  const updated = (await ctx.store.touch(record.id, now, url)) ?? record;
  // Broadcast only a change of state: a heartbeat of a bot already online changes nothing any
  // process serves, and other processes re-check a bot they believe stale before a 503.
  if (!wasServed || (url !== undefined && url !== record.tunnelUrl)) ctx.changed(changeKey(updated.tier, updated.name));
  sendJson(res, 200, status(ctx, updated));
}

/** `POST /api/disconnect`: offline at once, everywhere. */
export async function disconnect(ctx: ApiContext, req: IncomingMessage, res: ServerResponse) {
  const record = await authenticate(ctx, req);
  await readJson(req, EmptySchema.loose(), ctx.maxBodyBytes);
  const updated = (await ctx.store.setOffline(record.id)) ?? record;
  ctx.changed(changeKey(updated.tier, updated.name));
  ctx.logger.info('bot disconnected', { handle: updated.name, tier: updated.tier });
  sendJson(res, 200, status(ctx, updated));
}

/** `POST /api/handle/change {username}`: renames; the old name is held for this token. */
export async function changeHandle(ctx: ApiContext, req: IncomingMessage, res: ServerResponse) {
  const record = await authenticate(ctx, req);
  const { username } = await readJson(req, HandleChangeRequestSchema, ctx.maxBodyBytes);
  const name = username.trim().toLowerCase();
  if (name === record.name) return sendJson(res, 200, status(ctx, record));
  const invalid = checkHandleName(name);
  if (invalid) throw refusalFailure(invalid);
  // Per handle and per address: each rename holds the old name for a week (for this token only).
  refuseIfLimited(ctx.renameLimiter.hit(`handle:${record.id}`) ?? ctx.renameLimiter.hit(`addr:${addressKey(ctx, req)}`));
  const now = ctx.now();
  const result = await ctx.store.rename(record.id, name, now, now + ctx.coolingOffMs);
  if (!result.ok) throw refusalFailure(result.reason);
  ctx.changed(changeKey(record.tier, record.name));
  ctx.changed(changeKey(record.tier, name));
  ctx.logger.info('handle renamed', { handle: name, from: record.name, tier: record.tier });
  sendJson(res, 200, status(ctx, result.record));
}

/** `DELETE /api/handle`: releases the name; it cools off before anyone else may take it. */
export async function releaseHandle(ctx: ApiContext, req: IncomingMessage, res: ServerResponse) {
  const record = await authenticate(ctx, req);
  await ctx.store.release(record.id, ctx.now() + ctx.coolingOffMs);
  ctx.changed(changeKey(record.tier, record.name));
  ctx.logger.info('handle released', { handle: record.name, tier: record.tier });
  sendJson(res, 200, { ok: true, released: record.name });
}
