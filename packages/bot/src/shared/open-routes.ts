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
]);

export function isOpenWorkerRoute(method: string, pathname: string): boolean {
  return OPEN_WORKER_ROUTES.has(`${method} ${pathname}`);
}
