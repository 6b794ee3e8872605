// Service worker of the identification pages: the screening form, its scripts and the offline bundle
// (catalogue and rule) stay available with no network. Network first, so a worker online always gets
// the current form; the cache answers only when the network does not. Nothing personal is cached:
// saved screenings wait in the page's own storage (offline.js), never in this cache.
"use strict";
var CACHE = "palermo-identification-v1";
var SHELL = ["/static/app.css", "/static/app.js", "/static/vendor/htmx.min.js",
             "/static/identification/evaluate.js", "/static/identification/offline.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function cacheable(url) {
  return url.origin === self.location.origin && (url.pathname === "/identification" ||
    url.pathname === "/identification/offline.json" || url.pathname.indexOf("/static/") === 0);
}

self.addEventListener("fetch", function (event) {
  var req = event.request, url = new URL(req.url);
  if (req.method !== "GET" || !cacheable(url)) { return; }
  event.respondWith(fetch(req).then(function (resp) {
    if (resp.ok && !resp.redirected) {
      var copy = resp.clone();
      caches.open(CACHE).then(function (c) { c.put(req, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.match(req).then(function (hit) { return hit || Response.error(); });
  }));
});
