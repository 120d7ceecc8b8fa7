// The chat app at /fluxy/: the pre-built single-page app (packages/chat/dist), built at install
// and again here when its sources changed. It is plain files served by the supervisor, so it works
// when Vite or the dashboard is broken; a missing or failed build gives a page that says so.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { CHAT_DIR, CHAT_DIST, isChatBuildFresh } from '@fluxy/chat/build-state';
import type { Logger } from '../shared/logger.ts';
import { createStaticHandler } from './static.ts';

/** The app's own routes: each is index.html, the app picks the screen from the path. */
const SPA_ROUTES = new Set(['', 'index.html', 'login', 'login/', 'setup', 'setup/']);

export interface ChatAppBuild {
  state: 'ready' | 'building' | 'failed';
  error?: string;
}

/**
 * Builds the chat app in a child process when dist is missing or older than its sources. Never
 * throws and never blocks the start: until the build ends the chat shows a page that reloads.
 */
export function ensureChatApp(log: Logger, nodeBin = process.execPath): ChatAppBuild {
  const status: ChatAppBuild = { state: 'ready' };
  let fresh = false;
  try {
    fresh = isChatBuildFresh();
  } catch (err) {
    log.warn('cannot check the chat app build', { error: err });
  }
  if (fresh) return status;
  status.state = 'building';
  log.info('building the chat app (its sources changed since the last build)');
  const child = spawn(nodeBin, ['--import', 'tsx', join(CHAT_DIR, 'scripts/build.ts')], { cwd: CHAT_DIR, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  child.on('error', (err) => {
    status.state = 'failed';
    status.error = err.message;
    log.error('cannot start the chat app build', { error: err });
  });
  child.on('exit', (code) => {
    if (code === 0) {
      status.state = 'ready';
      log.info('chat app built');
      return;
    }
    status.state = 'failed';
    status.error = stderr.trim().split('\n').slice(-5).join('\n') || `exit code ${code}`;
    log.error('the chat app build failed; /fluxy/ shows an error page', { error: status.error });
  });
  // The build must not keep a stopping supervisor alive.
  child.unref();
  return status;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function placeholder(res: ServerResponse, build: ChatAppBuild): void {
  const building = build.state !== 'failed';
  const body = building
    ? '<h1>The chat is being prepared</h1><p>Fluxy is building its chat app. This page reloads by itself.</p>'
    : `<h1>The chat app could not be built</h1><p>Run <b>npm install</b> in Fluxy's folder, then start Fluxy again.</p><pre>${escapeHtml(build.error ?? '')}</pre>`;
  res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '3' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${building ? '<meta http-equiv="refresh" content="3">' : ''}<title>Fluxy</title><style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:15vh auto;padding:0 1rem;line-height:1.5}pre{white-space:pre-wrap;font-size:.8rem}</style></head><body>${body}</body></html>`,
  );
}

/**
 * The app's pages may run only our own scripts, load pictures only from here, data: and blob: (the
 * previews of files to send), and talk only to this host: a second wall behind the Markdown
 * renderer, so model output could not run script or reach another site even through a bug there.
 */
function contentSecurityPolicy(host: string | undefined): string {
  const socket = host ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self'${socket}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/**
 * `/fluxy/…` files: the app's routes and hashed assets from the build, everything else (widget.js,
 * the icon) from the hand-written directory next to it.
 */
export function createChatAppHandler(staticDir: string, build: ChatAppBuild, dist = CHAT_DIST) {
  const app = createStaticHandler(dist);
  const files = createStaticHandler(staticDir);
  return (req: IncomingMessage, res: ServerResponse, file: string): void => {
    if (SPA_ROUTES.has(file)) {
      if (existsSync(join(dist, 'index.html'))) {
        res.setHeader('Content-Security-Policy', contentSecurityPolicy(req.headers.host));
        res.setHeader('Referrer-Policy', 'no-referrer');
        app(req, res, 'index.html');
      } else {
        placeholder(res, build);
      }
    } else if (file.startsWith('assets/')) {
      app(req, res, file);
    } else {
      files(req, res, file);
    }
  };
}
