/**
 * The worker routes anyone may call without a session: the supervisor's router and the worker's
 * own gate both ask this one list, so the two can never disagree about what is open.
 */
const OPEN_WORKER_ROUTES: ReadonlySet<string> = new Set([
  'GET /api/health',
  'HEAD /api/health',
  'GET /api/portal/login',
  'POST /api/portal/login',
  'POST /api/portal/setup-token',
  // Signed in? An account at all? Always 200, so the login page logs no 401 (portal.ts).
  'GET /api/portal/session',
]);

export function isOpenWorkerRoute(method: string, pathname: string): boolean {
  return OPEN_WORKER_ROUTES.has(`${method} ${pathname}`);
}
