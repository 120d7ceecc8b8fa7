import { Router, type Request, type Response } from 'express';
import { LoginBodySchema, type PortalSession, TokenBodySchema } from '@fluxy/protocol';
import { SESSION_COOKIE, sessionToken } from '../../shared/session-token.ts';
import type { WorkerContext } from '../context.ts';
import { parseBody, sendError } from '../http.ts';
import { verifyPassword } from '../../shared/passwords.ts';
import { SESSION_TTL_MS } from '../../storage/sessions.ts';
import { consumeSetupToken } from '../../shared/setup-token.ts';


function basicCredentials(header: string | undefined): { username?: string; password: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon) || undefined, password: decoded.slice(colon + 1) };
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_TTL_MS / 1000}${secure ? '; Secure' : ''}`;
}

export function portalRoutes(ctx: WorkerContext): Router {
  const r = Router();

  const startSession = (req: Request, res: Response) => {
    const session = ctx.sessions.create(req.headers['user-agent']);
    res.setHeader('Set-Cookie', sessionCookie(session.token, req.fluxy.https));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ token: session.token, expiresAt: new Date(session.expiresAt).toISOString() });
  };

  const login = async (req: Request, res: Response, creds: { username?: string; password: string }) => {
    const stored = ctx.settings.get('portalPassword');
    if (!stored) {
      return sendError(res, 403, 'setup_required', 'Fluxy is not set up yet: open the setup link that `fluxy start` printed, or run `fluxy setup`.');
    }
    const expectedUser = ctx.settings.get('portalUsername');
    const account = ctx.throttleAccount();
    const ip = req.fluxy.clientIp;
    const wait = ctx.throttle.retryAfterMs(account, ip);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      res.setHeader('Retry-After', String(seconds));
      return sendError(res, 429, 'too_many_attempts', `Too many failed sign-ins. Try again in ${seconds} s.`);
    }
    // Counted as a failure before the (slow) check: parallel guesses must not all slip past the throttle.
    ctx.throttle.recordFailure(account, ip);
    const userOk = !creds.username || !expectedUser || creds.username.toLowerCase() === expectedUser.toLowerCase();
    const passwordOk = await verifyPassword(creds.password, stored);
    if (!userOk || !passwordOk) {
      ctx.log.warn('failed sign-in', { ip });
      return sendError(res, 401, 'bad_credentials', 'Wrong username or password.');
    }
    ctx.throttle.recordSuccess(account, ip);
    startSession(req, res);
  };

  r.post('/api/portal/login', async (req, res) => {
    await login(req, res, parseBody(LoginBodySchema, req.body));
  });
  r.get('/api/portal/login', async (req, res) => {
    const creds = basicCredentials(req.headers.authorization);
    if (!creds?.password) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Fluxy", charset="UTF-8"');
      return sendError(res, 401, 'bad_credentials', 'Send the portal password with Basic auth.');
    }
    await login(req, res, creds);
  });

  r.post('/api/portal/setup-token', (req, res) => {
    const { token } = parseBody(TokenBodySchema, req.body);
    if (ctx.settings.get('portalPassword') || !consumeSetupToken(ctx.paths.setupToken, token)) {
      ctx.log.warn('refused setup link', { ip: req.fluxy.clientIp });
      return sendError(res, 401, 'bad_setup_token', 'This setup link is invalid or was already used.');
    }
    startSession(req, res);
  });

  /**
   * Open: whether this browser is signed in and whether an account exists, always 200, so the
   * login page can ask without a 401 in the console and greet "Welcome back" only when it fits.
   */
  r.get('/api/portal/session', (req, res) => {
    const token = sessionToken(req.headers);
    res.setHeader('Cache-Control', 'no-store');
    const reply: PortalSession = { signedIn: !!token && ctx.sessions.validate(token).valid, hasAccount: ctx.settings.get('portalPassword') !== undefined };
    res.json(reply);
  });

  r.post('/api/portal/logout', (req, res) => {
    if (req.fluxy.token) ctx.sessions.revoke(req.fluxy.token);
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`);
    res.json({ ok: true });
  });

  r.post('/api/portal/validate-token', (req, res) => {
    if (!req.fluxy.internal) return sendError(res, 403, 'forbidden', 'Supervisor only.');
    const { token } = parseBody(TokenBodySchema, req.body);
    const result = ctx.sessions.validate(token);
    res.json(result.valid ? { valid: true, expiresAt: result.expiresAt } : { valid: false });
  });

  return r;
}
