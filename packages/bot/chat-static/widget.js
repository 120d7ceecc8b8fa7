// The Fluxy chat bubble, injected into the user's dashboard by a <script src="/fluxy/widget.js">.
// It lives in a shadow root so the dashboard's CSS (which the agent rewrites freely) cannot
// break it, and the chat itself runs in an iframe of /fluxy/ so a crashed dashboard leaves the
// chat working.
(() => {
  if (window.Fluxy || window.parent !== window) return; // loaded twice, or inside a frame
  const origin = location.origin;
  const CHAT_URL = '/fluxy/';
  // Above anything the dashboard is likely to use, below the onboarding overlay (2147483600).
  const Z = 2147483000;

  const host = document.createElement('div');
  host.id = 'fluxy-widget';
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `<style>
  :host { all: initial; }
  .bubble {
    position: fixed; right: max(20px, env(safe-area-inset-right)); bottom: max(20px, env(safe-area-inset-bottom));
    z-index: ${Z + 2}; width: 60px; height: 60px; border-radius: 50%; border: 0; padding: 0; cursor: pointer;
    background: linear-gradient(135deg, #8b5cf6 0%, #6d5dfc 55%, #38bdf8 100%); color: #fff;
    box-shadow: 0 10px 30px -6px rgba(109, 93, 252, 0.6), 0 2px 6px rgba(0, 0, 0, 0.15);
    display: grid; place-items: center; transition: transform 0.2s ease, opacity 0.2s ease;
    -webkit-tap-highlight-color: transparent;
  }
  .bubble:hover { transform: scale(1.06); }
  .bubble:active { transform: scale(0.96); }
  .bubble:focus-visible { outline: 3px solid #c4b5fd; outline-offset: 3px; }
  .bubble svg { width: 30px; height: 30px; }
  .bubble .wave { animation: flow 3s ease-in-out infinite; }
  .bubble .wave2 { animation-delay: -1.5s; }
  @keyframes flow { 50% { transform: translateX(2px); } }
  .backdrop {
    position: fixed; inset: 0; z-index: ${Z}; background: rgba(10, 10, 20, 0.35);
    opacity: 0; pointer-events: none; transition: opacity 0.25s ease;
    -webkit-backdrop-filter: blur(2px); backdrop-filter: blur(2px);
  }
  .panel {
    position: fixed; top: 0; right: 0; bottom: 0; z-index: ${Z + 1};
    width: 480px; max-width: 100vw; height: 100dvh; background: #f7f7fb;
    box-shadow: -20px 0 60px rgba(0, 0, 0, 0.18); transform: translateX(105%);
    transition: transform 0.3s cubic-bezier(0.2, 0.8, 0.2, 1); visibility: hidden;
  }
  .panel iframe { width: 100%; height: 100%; border: 0; display: block; background: transparent; }
  .sentinel { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  .open .backdrop { opacity: 1; pointer-events: auto; }
  .open .panel { transform: none; visibility: visible; }
  /* The panel has its own close button and the backdrop closes it; the bubble would cover the composer. */
  .open .bubble { opacity: 0; pointer-events: none; transform: scale(0.6); }
  @media (max-width: 640px) { .panel { width: 100vw; box-shadow: none; } }
  @media (prefers-color-scheme: dark) { .panel { background: #0c0c12; } }
  @media (prefers-reduced-motion: reduce) { .panel, .backdrop, .bubble { transition: none; } .bubble .wave { animation: none; } }
</style>
<div class="wrap">
  <div class="backdrop" part="backdrop"></div>
  <div class="panel" role="dialog" aria-modal="true" aria-label="Fluxy chat">
    <span class="sentinel" tabindex="0" data-wrap="last"></span>
    <span class="sentinel" tabindex="0" data-wrap="first"></span>
  </div>
  <button class="bubble" type="button" aria-label="Open chat" aria-expanded="false">
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" aria-hidden="true">
      <path class="wave" d="M5 9.5c2.3-2.6 4.7-2.6 7 0s4.7 2.6 7 0"/>
      <path class="wave wave2" d="M5 15c2.3-2.6 4.7-2.6 7 0s4.7 2.6 7 0" opacity="0.75"/>
    </svg>
  </button>
</div>`;

  const wrap = root.querySelector('.wrap');
  const panel = root.querySelector('.panel');
  const bubble = root.querySelector('.bubble');
  const backdrop = root.querySelector('.backdrop');
  let iframe = null;
  let iframeReady = false;
  let pendingDraft = null;
  let installPrompt = null;
  let isOpen = false;
  let savedOverflow = '';
  /** The page's elements made inert while the panel is open (not those the page made inert itself). */
  let inerted = [];
  const [startSentinel, endSentinel] = panel.querySelectorAll('.sentinel');
  const FOCUSABLE = 'a[href], button, input, select, textarea, iframe, [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';

  /** The chat's document: same origin by construction, but a frame that navigated away is not ours to touch. */
  function frameDocument() {
    try {
      return iframe?.contentDocument ?? null;
    } catch {
      return null;
    }
  }

  // A modal dialog keeps Tab inside. Focus that leaves the chat's last element lands on the end
  // sentinel and goes round to its first one (and Shift+Tab the other way); without these, Tab
  // walked out of the iframe to the hidden bubble and the page behind.
  function focusInside(which) {
    const doc = frameDocument();
    const items = doc
      ? [...doc.querySelectorAll(FOCUSABLE)].filter((el) => !el.disabled && !el.closest('[hidden], [inert]') && el.getClientRects().length > 0)
      : [];
    const target = which === 'first' ? items[0] : items[items.length - 1];
    if (target) target.focus();
    else iframe?.focus();
  }
  startSentinel.addEventListener('focus', () => focusInside('last'));
  endSentinel.addEventListener('focus', () => focusInside('first'));

  function onKeydown(event) {
    // The chat may use Escape itself (closing a menu); it says so with preventDefault.
    if (event.key === 'Escape' && isOpen && !event.defaultPrevented) close();
  }

  function ensureIframe() {
    if (iframe) return;
    iframe = document.createElement('iframe');
    iframe.src = CHAT_URL;
    iframe.title = 'Fluxy chat';
    iframe.allow = 'microphone; clipboard-write';
    iframe.addEventListener('load', () => {
      iframeReady = true;
      // Keys pressed inside the chat go to its document, not ours: Escape must close from there too.
      frameDocument()?.defaultView?.addEventListener('keydown', onKeydown);
      if (pendingDraft !== null) sendDraft(pendingDraft);
      if (installPrompt) post({ type: 'fluxy:install-available' });
    });
    panel.insertBefore(iframe, endSentinel);
  }

  /** Everything but the chat is out of reach while the panel is open: Tab, clicks, screen readers. */
  function setPageInert(on) {
    if (on) {
      inerted = [...document.body.children].filter((el) => el !== host && !el.inert);
      for (const el of inerted) el.inert = true;
    } else {
      for (const el of inerted) el.inert = false;
      inerted = [];
    }
    bubble.inert = on;
  }

  function reloadChat() {
    if (!iframe) return;
    iframeReady = false;
    iframe.src = CHAT_URL;
  }

  function post(message) {
    iframe?.contentWindow?.postMessage(message, origin);
  }

  function sendDraft(text) {
    if (!iframeReady) {
      pendingDraft = text;
      return;
    }
    pendingDraft = null;
    post({ type: 'fluxy:draft', text });
  }

  function open(draft) {
    ensureIframe();
    if (typeof draft === 'string' && draft) sendDraft(draft);
    if (isOpen) return;
    isOpen = true;
    wrap.classList.add('open');
    bubble.setAttribute('aria-expanded', 'true');
    setPageInert(true);
    // The page behind must not scroll under a full-screen panel on phones.
    savedOverflow = document.documentElement.style.overflow;
    document.documentElement.style.overflow = 'hidden';
    iframe.focus();
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    wrap.classList.remove('open');
    bubble.setAttribute('aria-expanded', 'false');
    setPageInert(false);
    document.documentElement.style.overflow = savedOverflow;
    bubble.focus({ preventScroll: true });
  }

  bubble.addEventListener('click', () => (isOpen ? close() : open()));
  backdrop.addEventListener('click', close);
  document.addEventListener('keydown', onKeydown);

  window.addEventListener('beforeinstallprompt', (event) => {
    // Keep the browser's install prompt for when the user asks for it in the chat.
    event.preventDefault();
    installPrompt = event;
    post({ type: 'fluxy:install-available' });
  });

  window.addEventListener('message', (event) => {
    if (event.origin !== origin) return;
    const type = event.data && typeof event.data === 'object' ? event.data.type : undefined;
    if (!iframe || event.source !== iframe.contentWindow) {
      // The first-run wizard in the dashboard's overlay (another frame of ours) finished: the chat,
      // loaded before it, still shows "needs setup" until it loads again.
      if (type === 'fluxy:onboard-complete' && event.source && event.source !== window) reloadChat();
      return;
    }
    switch (type) {
      case 'fluxy:close':
        close();
        break;
      case 'fluxy:install-app':
        if (installPrompt) {
          const prompt = installPrompt;
          installPrompt = null;
          prompt.prompt();
          prompt.userChoice.then((choice) => post({ type: 'fluxy:install-result', outcome: choice.outcome }));
        } else {
          post({ type: 'fluxy:install-result', outcome: 'unavailable' });
        }
        break;
      // fluxy:onboard-complete and fluxy:hmr-update are for the dashboard's own code
      // (fluxy/onboarding-frame.tsx, fluxy/hmr-events.ts), which hears the chat's messages to
      // this window directly and checks their origin itself.
      default:
        break;
    }
  });

  window.Fluxy = { open, close };

  function mount() {
    document.body.append(host);
    // Load the chat early (when the browser is idle) so it is connected, and hears hot-update
    // notices for the dashboard, before the first tap.
    const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 1500));
    idle(ensureIframe);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
})();
