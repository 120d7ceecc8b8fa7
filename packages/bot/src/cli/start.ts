import { renderUnicodeCompact } from 'uqr';
import { createLogger } from '../shared/logger.ts';
import { startSupervisor } from '../supervisor/index.ts';
import type { BotOptions } from './options.ts';
import { runningInstance } from './pid.ts';

/** Everything must be gone within 5 s of SIGTERM; past this the children are killed outright. */
const SHUTDOWN_DEADLINE_MS = 4_500;

export async function startCommand(opts: BotOptions): Promise<void> {
  const { paths } = opts;
  const log = createLogger('fluxy', { level: opts.logLevel });
  const running = runningInstance(paths.pidFile);
  if (running) {
    console.error(`Fluxy is already running for ${paths.home} (pid ${running.pid}, port ${running.port}). Stop it with \`fluxy stop\`.`);
    process.exit(1);
  }
  let supervisor: Awaited<ReturnType<typeof startSupervisor>>;
  try {
    supervisor = await startSupervisor({
      paths,
      port: opts.port,
      host: opts.host,
      log,
      providerOptions: opts.providerOptions,
      traceTokens: opts.traceTokens,
      headersTimeoutMs: opts.headersTimeoutMs,
      noTunnel: opts.noTunnel,
      cloudflared: opts.cloudflared,
      tunnelWatchdogMs: opts.tunnelWatchdogMs,
      onPublicUrl: (url) => {
        // For the phone: point its camera at the terminal.
        const qr = renderUnicodeCompact(url, { ecc: 'L', border: 1 });
        console.log(`\n  Public address: ${url}\n\n${qr.replace(/^/gm, '  ')}\n`);
      },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') console.error(`Port ${opts.port ?? 'configured'} is in use. Pick another with --port.`);
    else console.error(`Fluxy could not start: ${e.message}`);
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second Ctrl-C: no more waiting.
      supervisor.killNow();
      process.exit(130);
    }
    stopping = true;
    log.info(`${signal}: stopping`);
    const deadline = setTimeout(() => {
      log.warn('children did not stop in time; killing them');
      supervisor.killNow();
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    supervisor.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  console.log(`\n  Fluxy is running at ${supervisor.url}\n  Data: ${paths.home}\n`);
  if (supervisor.setupUrl) {
    console.log(`  Finish setting up in your browser (this link works once):\n\n    ${supervisor.setupUrl}\n`);
    console.log('  Or headless: fluxy setup --password <password> --provider anthropic --api-key <key>\n');
  }
}
