// The Fluxy chat widget (/fluxy/widget.js) exposes window.Fluxy. It may be missing, e.g. when
// this app is opened straight from the Vite port, so every call is optional.
declare global {
  interface Window {
    Fluxy?: { open: (draft?: string) => void; close: () => void };
  }
}

/** Opens the chat panel; `draft` is offered to the chat as the start of a message. */
export function openChat(draft?: string): boolean {
  if (!window.Fluxy) return false;
  window.Fluxy.open(draft);
  return true;
}
