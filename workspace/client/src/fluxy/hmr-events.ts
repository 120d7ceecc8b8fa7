// One place that hears "the app is being rebuilt": Vite's own HMR events, and the
// `fluxy:hmr-update` message the chat widget forwards when the agent has written files.
export type HmrEvent = 'before-update' | 'after-update' | 'disconnected' | 'connected' | 'files-changed';

const listeners = new Set<(event: HmrEvent) => void>();

export function onHmrEvent(listener: (event: HmrEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(event: HmrEvent) {
  for (const listener of listeners) listener(event);
}

function onMessage(event: MessageEvent) {
  // Only our own window (the widget re-posts on it) or same-origin frames may talk to us.
  if (event.origin !== window.location.origin) return;
  if ((event.data as { type?: unknown } | null)?.type === 'fluxy:hmr-update') emit('files-changed');
}
window.addEventListener('message', onMessage);

if (import.meta.hot) {
  import.meta.hot.on('vite:beforeUpdate', () => emit('before-update'));
  import.meta.hot.on('vite:afterUpdate', () => emit('after-update'));
  import.meta.hot.on('vite:ws:disconnect', () => emit('disconnected'));
  import.meta.hot.on('vite:ws:connect', () => emit('connected'));
  // When this module itself is replaced, drop the old window listener or it would fire twice.
  import.meta.hot.dispose(() => window.removeEventListener('message', onMessage));
}
