import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { visitorKey } from '@fluxy/http-forward/visitor';
import { type AgentProviderOptions, reapAgentLeftovers } from '../agent/index.ts';
import { type FluxyConfig, loadConfig, saveConfig } from '../shared/config.ts';
import { localUrl } from '../shared/local-url.ts';
import type { Logger } from '../shared/logger.ts';
import { killProcessTree } from '../shared/process-tree.ts';
import type { FluxyPaths } from '../shared/paths.ts';
import { lockDownDataDir, restrictNewFiles } from '../shared/private-files.ts';
import { secretMatches } from '../shared/secret-match.ts';
import { VERSION } from '../shared/version.ts';
import { readSetupToken } from '../shared/setup-token.ts';
import { createAuthGate } from './auth-gate.ts';
import { createBackendWatcher } from './backend-watcher.ts';
import { createChatAppHandler, ensureChatApp } from './chat-app.ts';
import { createChatHub } from './chat-socket.ts';
import { createChatService } from './chat/service.ts';
import { createCheckpointRoutes } from './checkpoints/http.ts';
import { createCheckpointStore } from './checkpoints/store.ts';
import { createChildren } from './children.ts';
import { createRequestHandler } from './http-handler.ts';
import { createListener, listen } from './listener.ts';
import { createChildProxy } from './proxy.ts';
import { createPublicAccess } from './public-access.ts';
import type { CloudflaredSource } from './tunnel/cloudflared-binary.ts';
import { createWorkerClient } from './worker-client.ts';
import { ensureWorkspace } from './workspace.ts';

export interface SupervisorOptions {
  paths: FluxyPaths;
  port?: number;
  host?: string;
  log: Logger;
  providerOptions?: AgentProviderOptions;
  /** How long request headers may take (default 30 s; tests shorten it). */
  headersTimeoutMs?: number;
  /** Connections one client address may hold at once (default MAX_CONNECTIONS_PER_ADDRESS). */
  maxConnectionsPerAddress?: number;
  /** Benchmarks only: each bot:token carries when the provider handed it over. */
  traceTokens?: boolean;
  /** `--no-tunnel`: no tunnel for this run, whatever config.json says. */
  noTunnel?: boolean;
  /** Where cloudflared comes from (FLUXY_CLOUDFLARED, the PATH, a download). */
  cloudflared: CloudflaredSource;
  /** The tunnel watchdog's period (30 s; tests shorten it). */
  tunnelWatchdogMs?: number;
  /** The public address, once known (the CLI prints it with a QR code). */
  onPublicUrl?(url: string): void;
}

/** How long the start waits for the worker before saying where its log is. */
const WORKER_START_MS = 30_000;
/** A session check waits this long for a worker that is (re)starting. */
const WORKER_WAIT_MS = 15_000;
/** config.json is re-read at most this often (the user edits publicPaths while Fluxy runs). */
const CONFIG_RECHECK_MS = 1_000;

export interface PidFile {
  pid: number;
  port: number;
  host: string;
  startedAt: string;
  /** Sent by `fluxy status` as `x-fluxy-status` for the detailed /api/health; this file is 0600. */
  statusKey?: string;
}

/** The config, re-read when the file changes (the user edits publicPaths while Fluxy runs), at most once a second. */
function createConfigReader(path: string, log: Logger) {
  let config: FluxyConfig = loadConfig(path);
  let mtime = 0;
  let checkedAt = 0;
  return () => {
    const now = Date.now();
    if (now - checkedAt < CONFIG_RECHECK_MS) return config;
    checkedAt = now;
    try {
      const m = statSync(path).mtimeMs;
      if (m !== mtime) {
        mtime = m;
        config = loadConfig(path);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('cannot re-read config.json; keeping the last good one', { error: err });
    }
    return config;
  };
}

export async function startSupervisor(options: SupervisorOptions) {
  const { paths, log } = options;
  restrictNewFiles();
  for (const dir of [paths.home, paths.logs, paths.bin, paths.claudeConfig, paths.viteCache]) mkdirSync(dir, { recursive: true });
  const initial = loadConfig(paths.config);
  // The contract's data directory has a config.json from the first start on (defaults until changed).
  if (!existsSync(paths.config)) saveConfig(paths.config, initial);
  const port = options.port ?? initial.port;
  const host = options.host ?? initial.host;
  const readConfig = createConfigReader(paths.config, log);
  const workspace = ensureWorkspace(paths);
  if (workspace.created) log.info(`created your workspace at ${paths.workspace}`);
  if (workspace.modules) log.info(`gave the workspace its own copy of ${workspace.modules.packages} packages (${workspace.modules.ms} ms)`);
  // After the workspace copy (which keeps the template's 0755) and before any child opens a file.
  const fixedModes = lockDownDataDir(paths.home);
  if (fixedModes > 0) log.info(`made ${fixedModes} file(s) in ${paths.home} private to you (0600/0700)`);

  // Whatever an agent of a supervisor that died by SIGKILL left running (see agent/leftovers.ts).
  const reaped = reapAgentLeftovers(paths.claudeConfig);
  if (reaped > 0) log.warn(`stopped ${reaped} process(es) an earlier agent left running`);

  const internalSecret = randomBytes(32).toString('base64url');
  const statusKey = randomBytes(32).toString('base64url');
  const backendSecret = randomBytes(32).toString('base64url');
  const children = createChildren(paths, port, { internal: internalSecret, backend: backendSecret }, log);

  const worker = createWorkerClient(`http://127.0.0.1:${children.worker.spec.port}`, internalSecret);

  const gate = createAuthGate({
    validate: async (token) => {
      if (children.worker.state !== 'running' && !(await children.worker.whenReady(WORKER_WAIT_MS))) throw new Error('worker is not running');
      return worker.validateToken(token);
    },
  });
  const chat = createChatHub({ gate, log: log.child('chat') });
  const proxy = createChildProxy(log.child('proxy'), backendSecret);

  const watcher = createBackendWatcher(join(paths.workspace, 'backend'), () => void children.backend.restart(), log.child('watcher'));
  const chatService = createChatService({
    hub: chat,
    worker,
    paths,
    backend: children.backend,
    workerChild: children.worker,
    watcher,
    log: log.child('chat'),
    providerOptions: options.providerOptions,
    traceTokens: options.traceTokens,
    checkpoints: {
      store: createCheckpointStore({ gitDir: paths.checkpoints, workspace: paths.workspace, log: log.child('checkpoints') }),
      vitePort: children.vite.spec.port,
      backendSecret,
    },
  });
  chat.setHandler(chatService);

  // The tunnel ingress: N+3 (the contract's port layout).
  const ingressPort = port + 3;
  const publicAccess = createPublicAccess({
    paths,
    readConfig,
    ingressPort,
    noTunnel: options.noTunnel ?? false,
    cloudflared: options.cloudflared,
    watchdogMs: options.tunnelWatchdogMs,
    passwordSet: async () => children.worker.state === 'running' && (await worker.portalState()).passwordSet,
    onPublicUrl: options.onPublicUrl,
    log: log.child('public'),
  });

  const childStates = () => Object.fromEntries(children.all.map((c) => [c.spec.name, c.snapshot()]));
  const reportChildren = () => {
    if (children.worker.state !== 'running') return;
    worker.reportChildren(childStates()).catch((err) =>
      log.debug('cannot report children to the worker', { error: err }),
    );
  };
  for (const child of children.all) child.on('state', reportChildren);

  const handlerDeps = {
    children,
    gate,
    chat,
    proxy,
    serveStatic: createChatAppHandler(paths.chatStatic, ensureChatApp(log.child('chat-app'))),
    publicPaths: () => readConfig().publicPaths,
    health: (detailed: boolean) => ({
      ok: children.worker.state === 'running',
      version: VERSION,
      ...(detailed ? { children: childStates(), publicAccess: publicAccess.status() } : {}),
    }),
    statusKeyMatches: (given: string | string[] | undefined) => secretMatches(given, statusKey),
    onSettingsWrite: () => chatService.invalidateSettings(),
    checkpoints: chatService.checkpoints && createCheckpointRoutes(chatService.checkpoints, log.child('checkpoints')),
    internalSecret,
    // The relay signs the visitor's address with the SHA-256 of our token (see @fluxy/http-forward/visitor).
    visitorKey: () => {
      const token = readConfig().relay.token;
      return token ? visitorKey(token) : undefined;
    },
    log,
  };
  const sockets = new Set<Socket>();
  const edge = { log, sockets, headersTimeoutMs: options.headersTimeoutMs, maxConnectionsPerAddress: options.maxConnectionsPerAddress };
  const server = createListener({ ...edge, handler: createRequestHandler(handlerDeps, { trustForwarded: false }) });
  // N+3 serves exactly what N serves; only here are the forwarded visitor headers believed. Always
  // on loopback: a tunnel process (or the user's own proxy) on this machine delivers to it.
  const ingress = createListener({ ...edge, handler: createRequestHandler(handlerDeps, { trustForwarded: true }) });
  await listen(server, port, host);
  try {
    await listen(ingress, ingressPort, '127.0.0.1');
  } catch (err) {
    server.close();
    throw err;
  }
  writeFileSync(paths.pidFile, JSON.stringify({ pid: process.pid, port, host, startedAt: new Date().toISOString(), statusKey } satisfies PidFile), {
    mode: 0o600,
  });

  for (const child of children.all) child.start();
  watcher.start();
  chatService.checkpoints?.ensureBaseline();

  const url = localUrl(host, port);
  const workerUp = await children.worker.whenReady(WORKER_START_MS);
  if (!workerUp) log.error(`the worker did not start; see ${join(paths.logs, 'worker.log')}`);
  reportChildren();
  const setupToken = readSetupToken(paths.setupToken);
  publicAccess.start();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      server.close();
      ingress.close();
      // Offline at the relay at once (its 503 page), and no cloudflared left behind; meanwhile the rest stops.
      const publicClosed = publicAccess.close();
      // Turns next, while the worker can still store their interrupted answers.
      await chatService.close();
      reapAgentLeftovers(paths.claudeConfig);
      watcher.close();
      chat.close();
      for (const s of sockets) s.destroy();
      proxy.close();
      await Promise.allSettled([publicClosed, ...children.all.map((c) => c.dispose())]);
      rmSync(paths.pidFile, { force: true });
    })();
    return closing;
  };

  return {
    url,
    port,
    /** The one-time link that signs the first browser in, while no portal password exists. */
    setupUrl: setupToken ? `${url}/fluxy/setup#${setupToken}` : null,
    children,
    childStates,
    publicAccess,
    close,
    /** For a shutdown that ran out of time: kill what is left and leave no pid file behind. */
    killNow(): void {
      for (const c of children.all) killProcessTree(c.pid, 'SIGKILL');
      killProcessTree(publicAccess.tunnelPid, 'SIGKILL');
      rmSync(paths.pidFile, { force: true });
    },
  };
}
export type Supervisor = Awaited<ReturnType<typeof startSupervisor>>;
