/**
 * The backend's per-start secret: the supervisor adds it to every request it forwards to the
 * workspace backend (N+4), and `children/backend-gate.ts`, preloaded into the backend, refuses
 * requests without it. Anything else on the machine (another user, a page doing DNS rebinding)
 * reaches the backend only through the supervisor's session check.
 */
export const BACKEND_SECRET_HEADER = 'x-fluxy-backend-secret';
/** How the secret reaches the backend process; the gate deletes it before the user's code runs. */
export const BACKEND_SECRET_ENV = 'FLUXY_BACKEND_SECRET';
