import cluster, { type Worker } from 'node:cluster';
import type { CliServe } from './cli-args.ts';
import { createLogger } from './logger.ts';
import { createRelay } from './relay.ts';
import { openStore } from './store/index.ts';

/** IPC between the primary and its workers: a handle changed in one worker; drop it everywhere. */
interface ChangedMessage {
  type: 'relay:changed';
  key: string;
}
const isChanged = (m: unknown): m is ChangedMessage =>
  typeof m === 'object' && m !== null && (m as ChangedMessage).type === 'relay:changed' && typeof (m as ChangedMessage).key === 'string';

/**
 * One relay server: the whole relay when `--workers 1`, else one worker of the cluster. Workers
 * each run their own HTTP server on the shared port (node:cluster hands connections round-robin)
 * with their own database connection; nothing is shared in memory but cache invalidations.
 */
export async function runWorker(cmd: CliServe): Promise<void> {
  const worker = cluster.isWorker ? cluster.worker : undefined;
  const logger = createLogger(cmd.logLevel, worker ? { worker: worker.id, pid: process.pid } : { pid: process.pid });
  const relay = await createRelay({
    ...cmd.relay,
    logger,
    broadcast: worker ? (key) => process.send?.({ type: 'relay:changed', key } satisfies ChangedMessage) : undefined,
  });
  if (worker) {
    process.on('message', (m: unknown) => {
      if (isChanged(m)) relay.invalidate(m.key);
    });
  }
  let stoppingAt = 0;
  const stop = (signal: string) => {
    if (stoppingAt) {
      // A second Ctrl-C means now. But a worker is signalled twice at once whenever its whole
      // process group is (Ctrl-C in a terminal, systemd's KillMode=control-group): once directly
      // and once by the primary. Only a repeat a moment later is the operator's "now".
      if (Date.now() - stoppingAt < 1000 || signal === 'disconnect') return;
      logger.warn('second signal: exiting at once', { signal });
      process.exit(1);
    }
    stoppingAt = Date.now();
    logger.info('shutting down', { signal, graceMs: cmd.shutdownGraceMs });
    relay.close(cmd.shutdownGraceMs).then(
      () => process.exit(0),
      (err: Error) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The primary is gone: nobody will route connections to us any more.
  if (worker) process.on('disconnect', () => stop('disconnect'));
  await relay.listen(cmd.port, cmd.host);
}

/** The primary: migrates once, forks the workers, relays invalidations, restarts crashed workers. */
export async function runPrimary(cmd: CliServe): Promise<void> {
  const logger = createLogger(cmd.logLevel, { role: 'primary', pid: process.pid });
  const store = openStore(cmd.relay.db, { onError: (err) => logger.error('database error', { err }) });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }

  let stopping = false;
  const crashes: number[] = [];
  const fork = () => cluster.fork();
  logger.info('starting workers', { workers: cmd.workers, db: /^postgres/i.test(cmd.relay.db) ? 'postgres' : 'sqlite' });
  for (let i = 0; i < cmd.workers; i++) fork();

  cluster.on('message', (from: Worker, m: unknown) => {
    if (!isChanged(m)) return;
    for (const w of Object.values(cluster.workers ?? {})) if (w && w !== from) w.send(m);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0]! < now - 30_000) crashes.shift();
    logger.error('worker exited', { worker: worker.id, code, signal });
    // A worker that dies at once keeps dying (bad flag, database down): give up rather than spin.
    if (crashes.length > cmd.workers * 3) {
      logger.error('workers keep crashing; stopping');
      process.exit(1);
    }
    setTimeout(fork, 500);
  });

  const stop = (signal: string) => {
    if (stopping) {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down workers', { signal });
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w?.process.kill('SIGTERM');
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }, cmd.shutdownGraceMs + 5000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
