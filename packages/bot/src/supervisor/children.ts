import { join } from 'node:path';
import type { Logger } from '../shared/logger.ts';
import { BACKEND_SECRET_ENV } from '../shared/backend-secret.ts';
import { childPorts, type FluxyPaths, PKG_DIR } from '../shared/paths.ts';
import { ManagedChild } from './child.ts';

const tsxLoader = import.meta.resolve('tsx');
const guard = import.meta.resolve('../children/guard.ts');
const backendGate = import.meta.resolve('../children/backend-gate.ts');

/** What every child may see of the supervisor's environment. Secrets go only to the child that needs them. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'FLUXY_LOG_LEVEL']) {
    if (process.env[key] !== undefined) env[key] = process.env[key];
  }
  return env;
}

function nodeArgs(script: string, ...preloads: string[]): string[] {
  return ['--import', tsxLoader, '--import', guard, ...preloads.flatMap((p) => ['--import', p]), script];
}

export interface Children {
  worker: ManagedChild;
  vite: ManagedChild;
  backend: ManagedChild;
  all: ManagedChild[];
}

/** `secrets.backend`: the header the supervisor adds to requests for the backend (see shared/backend-secret.ts). */
export function createChildren(paths: FluxyPaths, basePort: number, secrets: { internal: string; backend: string }, log: Logger): Children {
  const ports = childPorts(basePort);
  const worker = new ManagedChild(
    {
      name: 'worker',
      command: process.execPath,
      args: nodeArgs(join(PKG_DIR, 'src/worker/main.ts')),
      cwd: paths.home,
      env: { ...baseEnv(), FLUXY_HOME: paths.home, PORT: String(ports.worker), FLUXY_INTERNAL_SECRET: secrets.internal },
      port: ports.worker,
      readiness: 'ipc',
      logFile: join(paths.logs, 'worker.log'),
    },
    log,
  );
  const vite = new ManagedChild(
    {
      name: 'vite',
      command: process.execPath,
      args: nodeArgs(join(PKG_DIR, 'src/children/vite-runner.ts')),
      cwd: join(paths.workspace, 'client'),
      env: {
        ...baseEnv(),
        NODE_ENV: 'development',
        PORT: String(ports.vite),
        FLUXY_VITE_ROOT: join(paths.workspace, 'client'),
        FLUXY_VITE_CACHE: paths.viteCache,
        FLUXY_VITE_ALLOW: [paths.nodeModules, join(paths.workspace, 'node_modules')].join(':'),
      },
      port: ports.vite,
      readiness: 'ipc',
      logFile: join(paths.logs, 'vite.log'),
    },
    log,
  );
  const backend = new ManagedChild(
    {
      name: 'backend',
      command: process.execPath,
      // The gate, preloaded, refuses every request that did not come through the supervisor.
      args: nodeArgs(join(paths.workspace, 'backend/index.ts'), backendGate),
      cwd: join(paths.workspace, 'backend'),
      env: { ...baseEnv(), NODE_ENV: 'development', PORT: String(ports.backend), [BACKEND_SECRET_ENV]: secrets.backend },
      port: ports.backend,
      readiness: 'port',
      logFile: join(paths.logs, 'backend.log'),
    },
    log,
  );
  return { worker, vite, backend, all: [worker, vite, backend] };
}
