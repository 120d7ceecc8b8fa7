import type { Logger } from '../shared/logger.ts';
import type { FluxyPaths } from '../shared/paths.ts';
import { createConversationStore } from '../storage/conversations.ts';
import type { Db } from '../storage/db.ts';
import { createSessionStore } from '../storage/sessions.ts';
import { createSettingsStore } from '../storage/settings.ts';
import { createLoginThrottle } from './login-throttle.ts';

export interface WorkerOptions {
  db: Db;
  paths: FluxyPaths;
  /** Shared with the supervisor: marks its own calls and the metadata it forwards. */
  internalSecret: string;
  log: Logger;
  version: string;
}

/** What every route of the worker may use, and nothing more (the app and its routes both import this, never each other). */
export type WorkerContext = ReturnType<typeof createWorkerContext>;

export function createWorkerContext(options: WorkerOptions) {
  const settings = createSettingsStore(options.db);
  return {
    ...options,
    sessions: createSessionStore(options.db),
    settings,
    conversations: createConversationStore(options.db),
    throttle: createLoginThrottle(),
    /**
     * The account failed sign-ins count against: the one account there is, whatever name the
     * caller sends (a new name per try must not buy new tries), for sign-in and password change alike.
     */
    throttleAccount: () => (settings.get('portalUsername') ?? 'owner').toLowerCase(),
    children: {} as Record<string, unknown>,
    startedAt: Date.now(),
  };
}

declare global {
  namespace Express {
    interface Request {
      fluxy: { internal: boolean; token?: string; clientIp: string; https: boolean };
    }
  }
}
