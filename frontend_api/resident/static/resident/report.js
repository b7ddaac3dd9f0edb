/* The report page, live: the report's WebSocket says something happened, and the status part
 * is fetched again (HTMX). Reconnects after a lost connection; the page works without it. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  var path = live.dataset.websocket, delay = 1000, lastSeq = 0;
  function refresh() {
    if (window.htmx) htmx.ajax("GET", location.pathname, { target: "#live", swap: "innerHTML" });
  }
  function connect() {
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + path);
    socket.onopen = function () { delay = 1000; live.dataset.connected = "true"; };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (!event || event.type === "ping" || event.type === "pong" || !event.seq) return;
      if (event.seq <= lastSeq) return;
      lastSeq = event.seq;
      refresh();
    };
    socket.onclose = function () {
      live.dataset.connected = "false";
      setTimeout(connect, delay); delay = Math.min(delay * 2, 30000);
    };
  }
  var shown = live.querySelectorAll("#timeline li[data-seq]");
  shown.forEach(function (li) { lastSeq = Math.max(lastSeq, Number(li.dataset.seq)); });
  connect();

  /* Web push on this device, through the report's subscriptions API. */
  var button = document.getElementById("push-subscribe");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) { if (button) button.hidden = true; return; }
  var statusLine = document.getElementById("push-status");
  function key(base64) {
    var raw = atob((base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  button.addEventListener("click", function () {
    var token = button.dataset.token;
    Promise.all([
      fetch("/api/v1/public/push/").then(function (r) { return r.json(); }),
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () { return navigator.serviceWorker.ready; })
    ]).then(function (both) {
      return both[1].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(both[0].vapid_public_key) });
    }).then(function (subscription) {
      return fetch("/api/v1/public/reports/" + token + "/subscriptions/", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(subscription.toJSON())
      });
    }).then(function (r) {
      statusLine.textContent = r.ok ? button.dataset.ok || "✓" : String(r.status);
    }).catch(function (e) { statusLine.textContent = String(e && e.message || e); });
  });
})();
