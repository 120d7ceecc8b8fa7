import { Router, type Request, type Response } from 'express';
import { LoginBodySchema, type PortalSession, TokenBodySchema } from '@fluxy/protocol';
import { sessionCookieName } from '../../shared/session-token.ts';
import type { WorkerContext } from '../context.ts';
import { deviceCookie, knownDevice } from '../device-cookie.ts';
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

/** Over https the `__Host-` name: Secure, Path=/ and no Domain, so no sibling bot can toss or shadow it. */
export function sessionCookie(token: string, secure: boolean, maxAgeSeconds = SESSION_TTL_MS / 1000): string {
  return `${sessionCookieName(secure)}=${token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function portalRoutes(ctx: WorkerContext): Router {
  const r = Router();

  /** `device`: after a password sign-in, the browser is remembered (device-cookie.ts). */
  const startSession = (req: Request, res: Response, device?: { passwordHash: string; account: string }) => {
    const session = ctx.sessions.create(req.headers['user-agent']);
    const cookies = [sessionCookie(session.token, req.fluxy.https)];
    if (device) cookies.push(deviceCookie(device.passwordHash, device.account, req.fluxy.https));
    res.setHeader('Set-Cookie', cookies);
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
    const device = knownDevice(req.headers.cookie, stored, account);
    const wait = ctx.throttle.retryAfterMs(account, ip, device);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      res.setHeader('Retry-After', String(seconds));
      return sendError(res, 429, 'too_many_attempts', `Too many failed sign-ins. Try again in ${seconds} s.`);
    }
    // Counted as a failure before the (slow) check: parallel guesses must not all slip past the throttle.
    ctx.throttle.recordFailure(account, ip, device);
    const userOk = !creds.username || !expectedUser || creds.username.toLowerCase() === expectedUser.toLowerCase();
    const passwordOk = await verifyPassword(creds.password, stored);
    if (!userOk || !passwordOk) {
      ctx.log.warn('failed sign-in', { ip });
      return sendError(res, 401, 'bad_credentials', 'Wrong username or password.');
    }
    ctx.throttle.recordSuccess(account, ip, device);
    startSession(req, res, { passwordHash: stored, account });
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
    res.setHeader('Cache-Control', 'no-store');
    // The worker's gate has already found the request's valid session, if it has one.
    const reply: PortalSession = { signedIn: !!req.fluxy.token, hasAccount: ctx.settings.get('portalPassword') !== undefined };
    res.json(reply);
  });

  r.post('/api/portal/logout', (req, res) => {
    if (req.fluxy.token) ctx.sessions.revoke(req.fluxy.token);
    // The device cookie stays: a browser that signed out is still one the owner used.
    res.setHeader('Set-Cookie', sessionCookie('', req.fluxy.https, 0));
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
