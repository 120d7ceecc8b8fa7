// A deliberately small service worker: it makes the dashboard installable and shows a friendly
// page when this computer cannot be reached. It is network-first and caches only the icons and
// the manifest. It never touches Fluxy's own paths, the APIs, or the Vite dev server's modules:
// a cached module would survive an edit and break hot reload.
const CACHE = 'fluxy-app-v1';
const PRECACHE = ['/manifest.webmanifest', '/icon.svg', '/icon-192.png', '/icon-512.png', '/apple-touch-icon.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .catch(() => undefined) // icons are nice to have; a missing one must not block install
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function offlinePage() {
  const html = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Offline</title><style>body{margin:0;min-height:100vh;display:grid;place-items:center;font-family:system-ui,sans-serif;
background:#0c0c12;color:#e4e4ee;text-align:center;padding:24px;box-sizing:border-box}p{color:#9a9aae;max-width:28em}
button{margin-top:12px;padding:10px 18px;border-radius:12px;border:0;background:#7c5cff;color:#fff;font:inherit}</style>
<div><h1>Can't reach your computer</h1><p>Your app runs on your own computer. It may be asleep, offline, or Fluxy may have stopped.</p>
<button onclick="location.reload()">Try again</button></div>`;
  return new Response(html, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  // Not ours: the APIs, Fluxy's chat and login pages, and everything Vite serves for the dev
  // modules and hot reload. Returning without respondWith lets the browser fetch normally.
  if (
    path.startsWith('/api/') ||
    path.startsWith('/app/api/') ||
    path.startsWith('/fluxy/') ||
    path.startsWith('/@') || // /@vite/client, /@react-refresh, /@fs/, /@id/
    path.startsWith('/src/') ||
    path.startsWith('/node_modules/') ||
    url.search !== '' // ?t=…, ?v=…, ?import, ?direct are all module requests
  ) {
    return;
  }

  if (req.mode === 'navigate') {
    // Network only; on failure a small offline page (a cached dev-server page would load no modules).
    event.respondWith(fetch(req).catch(() => offlinePage()));
    return;
  }

  if (PRECACHE.includes(path)) {
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            caches.open(CACHE).then((cache) => cache.put(req, copy));
          }
          return res;
        })
        .catch(() => caches.match(req).then((hit) => hit ?? Response.error())),
    );
  }
});
