import { type Request, type Response, Router } from 'express';
import { CurrentConversationSchema, SETTINGS_CHANGED_HEADER, SettingsSaveBodySchema } from '@fluxy/protocol';
import type { WorkerContext } from '../context.ts';
import { parseBody, sendError } from '../http.ts';
import { applyOnboard, onboardStatus } from '../../storage/onboard.ts';
import { verifyPassword } from '../../shared/passwords.ts';
import { removeSetupToken } from '../../shared/setup-token.ts';


export function settingsRoutes(ctx: WorkerContext): Router {
  const r = Router();

  r.get('/api/onboard/status', (_req, res) => {
    res.json(onboardStatus(ctx.settings));
  });

  /** The wizard's save (also `settings:save` over the chat socket). Changing an existing password needs the current one. */
  const save = async (req: Request) => {
    const input = parseBody(SettingsSaveBodySchema, req.body);
    const stored = ctx.settings.get('portalPassword');
    const changingPassword = input.password !== undefined && stored !== undefined;
    if (changingPassword) {
      // The same throttle as sign-in: a stolen session must not guess the password at full speed.
      const account = ctx.throttleAccount();
      const wait = ctx.throttle.retryAfterMs(account, req.fluxy.clientIp);
      if (wait > 0) {
        return { status: 429, code: 'too_many_attempts', message: `Too many wrong passwords. Try again in ${Math.ceil(wait / 1000)} s.`, retryAfter: Math.ceil(wait / 1000) };
      }
      ctx.throttle.recordFailure(account, req.fluxy.clientIp);
      if (!input.currentPassword || !(await verifyPassword(input.currentPassword, stored))) {
        return { status: 403, code: 'current_password_required', message: 'Enter the current password to set a new one.' };
      }
      ctx.throttle.recordSuccess(account, req.fluxy.clientIp);
    }
    const { currentPassword: _, ...settings } = input;
    await applyOnboard(ctx.settings, settings);
    if (ctx.settings.get('portalPassword')) removeSetupToken(ctx.paths.setupToken);
    if (changingPassword) ctx.sessions.revokeAllExcept(req.fluxy.token);
    return undefined;
  };
  const fail = (res: Response, f: { status: number; code: string; message: string; retryAfter?: number }) => {
    if (f.retryAfter) res.setHeader('Retry-After', String(f.retryAfter));
    sendError(res, f.status, f.code, f.message);
  };

  r.post('/api/onboard', async (req, res) => {
    const failure = await save(req);
    if (failure) return fail(res, failure);
    res.setHeader(SETTINGS_CHANGED_HEADER, '1');
    res.json({ ok: true, ...onboardStatus(ctx.settings) });
  });

  r.get('/api/settings', (_req, res) => {
    res.json(ctx.settings.publicView());
  });
  r.put('/api/settings', async (req, res) => {
    const failure = await save(req);
    if (failure) return fail(res, failure);
    res.setHeader(SETTINGS_CHANGED_HEADER, '1');
    res.json(ctx.settings.publicView());
  });
  /** Secrets for the supervisor's agent; never reachable with a browser session. */
  r.get('/api/internal/provider-settings', (req, res) => {
    if (!req.fluxy.internal) return sendError(res, 403, 'forbidden', 'Supervisor only.');
    const s = ctx.settings;
    res.json({
      provider: s.get('provider'),
      model: s.get('model'),
      apiKey: s.get('apiKey'),
      baseUrl: s.get('baseUrl'),
      whisperKey: s.get('whisperKey'),
      whisperBaseUrl: s.get('whisperBaseUrl'),
      autoRollback: s.get('autoRollback') === 'true',
    });
  });

  r.get('/api/context/current', (_req, res) => {
    res.json({ conversationId: ctx.settings.get('activeConversationId') ?? null });
  });
  r.post('/api/context/set', (req, res) => {
    const { conversationId } = parseBody(CurrentConversationSchema, req.body);
    if (conversationId && !ctx.conversations.get(conversationId)) {
      return sendError(res, 404, 'not_found', 'No such conversation.');
    }
    ctx.settings.set('activeConversationId', conversationId ?? undefined);
    res.json({ conversationId });
  });

  return r;
}
