/* The outbox of reports made on this phone: each one stored (IndexedDB) with the
 * Idempotency-Key made here, and sent until the server has it. Loaded by the page and by the
 * service worker (sw.js), which both flush it: the page at once and when the network returns,
 * the worker on a background sync. A lock keeps two flushes from sending at the same time, and
 * the key makes the server answer a repeated send with the first report: one report, not two. */
(function (scope) {
  "use strict";
  var DB = "meldpunt", STORE = "outbox", ENDPOINT = "/api/v1/public/reports/";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), result;
        result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    scope.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* entry: {fields: {name: value}, photos: [Blob]} -> stored with its key */
  function add(entry) {
    entry.key = entry.key || newKey();
    entry.state = "pending";
    entry.created = Date.now();
    return tx("readwrite", function (store) { return store.put(entry); }).then(function () { return entry; });
  }

  function all() { return tx("readonly", function (store) { return store.getAll(); }); }
  function remove(key) { return tx("readwrite", function (store) { return store.delete(key); }); }
  function put(entry) { return tx("readwrite", function (store) { return store.put(entry); }); }

  function body(entry) {
    var form = new FormData();
    Object.keys(entry.fields).forEach(function (name) { form.append(name, entry.fields[name]); });
    (entry.photos || []).forEach(function (photo, i) { form.append("photos", photo, "photo-" + (i + 1) + ".jpg"); });
    return form;
  }

  /* One entry sent: "sent" (the server has it, the answer kept on the entry), "refused" (a 4xx
   * the same request would get again: its errors kept), or "later" (offline, 429, 5xx). */
  function send(entry) {
    return fetch(ENDPOINT, {
      method: "POST", body: body(entry), credentials: "omit",
      headers: { "Idempotency-Key": entry.key, "Accept-Language": entry.fields.language || "nl" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.status === 201) { entry.state = "sent"; entry.answer = json; return "sent"; }
        if (response.status === 429 || response.status >= 500) return "later";
        entry.state = "refused"; entry.answer = json; return "refused";
      });
    }, function () { return "later"; });
  }

  function locked(work) {
    if (scope.navigator && scope.navigator.locks) return scope.navigator.locks.request("meldpunt-outbox", work);
    return work();
  }

  /* Sends every pending entry; each one sent or refused is kept (with its answer) for the page
   * to show, and handed to onDone. Returns the number still pending. */
  function flush(onDone) {
    return locked(function () {
      return all().then(function (entries) {
        var pending = entries.filter(function (e) { return e.state === "pending"; });
        return pending.reduce(function (chain, entry) {
          return chain.then(function (left) {
            return send(entry).then(function (outcome) {
              if (outcome === "later") return left + 1;
              return put(entry).then(function () { if (onDone) onDone(entry); return left; });
            });
          });
        }, Promise.resolve(0));
      });
    });
  }

  scope.MeldpuntOutbox = { add: add, all: all, remove: remove, flush: flush, newKey: newKey };
})(self);
