// Minimal service worker: makes the app installable and keeps the last app shell for offline starts.
// API calls always go to the network (feeds and tokens must never come from a cache).
const SHELL = 'ootd-shell-v1';
self.addEventListener('install', e => { self.skipWaiting(); e.waitUntil(caches.open(SHELL).then(c => c.add('/'))); });
self.addEventListener('activate', e => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', e => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (e.request.mode === 'navigate') {
    e.respondWith(fetch(e.request).then(r => { const copy = r.clone(); caches.open(SHELL).then(c => c.put('/', copy)); return r; })
      .catch(() => caches.match('/')));
  }
});
