/**
 * The pages a visitor of a bot's address sees when the relay cannot hand the request over.
 * Self-contained HTML (no external assets: the relay must not leak visitors to third parties).
 */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, heading: string, text: string, refreshSeconds?: number): string {
  const refresh = refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh}
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;font-family:system-ui,-apple-system,sans-serif;background:#0f1115;color:#e6e8ee}
main{max-width:28rem;padding:2rem;text-align:center}
.logo{font-weight:700;font-size:1.1rem;letter-spacing:.02em;color:#8b9cff;margin-bottom:1.5rem}
h1{font-size:1.5rem;margin:0 0 .75rem}p{color:#a8adbb;line-height:1.5;margin:.5rem 0}
code{background:#1c1f27;padding:.1rem .4rem;border-radius:.3rem;color:#e6e8ee}
</style></head>
<body><main><div class="logo">⚡ Fluxy</div><h1>${heading}</h1>${text}</main></body></html>
`;
}

/** 503: the bot exists but is offline or has missed its heartbeats. Reloads itself every 15 s. */
export function offlinePage(handle: string): string {
  const h = escapeHtml(handle);
  return page(
    `${handle} is offline`,
    `<code>${h}</code> is offline`,
    `<p>This Fluxy isn't reachable right now — its computer may be asleep or restarting.</p><p>This page checks again every 15 seconds.</p>`,
    15,
  );
}

/** 404: no bot has this name. */
export function unknownPage(handle: string): string {
  const h = escapeHtml(handle);
  return page(`${handle} not found`, 'No Fluxy here', `<p>Nobody has claimed <code>${h}</code> yet.</p>`);
}

/** 502: the bot is online but its tunnel did not answer (or points somewhere it must not). */
export function badGatewayPage(handle: string): string {
  const h = escapeHtml(handle);
  return page(
    `${handle} is unreachable`,
    `<code>${h}</code> isn't answering`,
    `<p>The relay could not reach this Fluxy's tunnel. It may be reconnecting.</p><p>This page checks again every 15 seconds.</p>`,
    15,
  );
}

/** 429: too many requests in flight for one bot. */
export function busyPage(handle: string): string {
  const h = escapeHtml(handle);
  return page(`${handle} is busy`, `<code>${h}</code> is busy`, `<p>Too many requests at once. Try again in a moment.</p>`);
}
