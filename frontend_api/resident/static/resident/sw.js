/* The resident app's service worker: the pages and their files kept for offline use, the
 * outbox of reports made offline sent on a background sync, and web push notifications. */
"use strict";
importScripts("__OUTBOX__");
var CACHE = "meldpunt-shell-v1";
var SHELL = ["__SHELL__"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  // Only our own GETs; a report is posted by the page itself (the outbox), and the API's
  // answers and the report pages are never served stale.
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/api/") === 0 || url.pathname.indexOf("/r/") === 0) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(request).then(function (hit) { return hit || caches.match("/"); });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/kaart/gebied.json") {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { var copy = response.clone(); caches.open(CACHE).then(function (c) { c.put(request, copy); }); }
        return response;
      });
    }));
  }
});

function tellPages(entry) {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage({ type: "outbox", key: entry.key, state: entry.state, answer: entry.answer }); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === "meldpunt-outbox") event.waitUntil(self.MeldpuntOutbox.flush(tellPages));
});

// The page asks the worker to send what waits (answered on the port: how many still wait).
self.addEventListener("message", function (event) {
  if (!event.data || event.data.type !== "flush") return;
  event.waitUntil(self.MeldpuntOutbox.flush(tellPages).then(function (left) {
    if (event.ports[0]) event.ports[0].postMessage({ left: left });
  }));
});

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Meldpunt", {
    body: data.body || data.status_text || "", data: { url: data.url || "/" }, icon: "/static/resident/icons/icon-192.png"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url || "/"));
});
