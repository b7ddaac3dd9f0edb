/* The console's keys, live queue and small helpers. The pages work without it (forms and
   links); with it: j/k move through the queue, Enter opens, a/s go to assigning or the status,
   x selects, u goes back to the queue, ? shows the keys; every move is announced. */
(function () {
  "use strict";
  var page = document.body.dataset.page;
  var announcer = document.getElementById("announce");
  var en = document.documentElement.lang === "en";
  function say(text) {
    // Cleared first, so the same words twice are read twice.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 30);
  }
  function typing(target) {
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  // --- help -----------------------------------------------------------------------------------
  var help = document.getElementById("help");
  var helpOpen = document.getElementById("help-open");
  function showHelp() { if (help && !help.open) help.showModal(); }
  if (helpOpen) helpOpen.addEventListener("click", showHelp);

  // --- the queue: the current row ---------------------------------------------------------------
  var QUEUE_KEY = "meldpunt.console.queue";
  if (page === "queue") sessionStorage.setItem(QUEUE_KEY, location.pathname + location.search);
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tbody tr[data-id]")); }
  function mark(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row) { row.classList.remove("current"); row.removeAttribute("aria-current"); });
    var row = all[index];
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    row.querySelector("a.open").focus();
    current = index;
    var status = row.querySelector(".status").textContent;
    var text = row.querySelector(".text").textContent;
    say(row.dataset.shortId + ", " + status + ", " + text + " (" + (index + 1) + (en ? " of " : " van ") + all.length + ")");
  }
  function currentRow() {
    var all = rows();
    if (current < 0 || current >= all.length) {
      var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("tr[data-id]");
      return focused || null;
    }
    return all[current];
  }
  function open(row, anchor) {
    // A parameter, not a #fragment: Chrome's scroll to a fragment takes the focus away again.
    if (row) location.href = "/console/r/" + row.dataset.id + "/" + (anchor ? "?focus=" + anchor : "");
  }

  // --- the report page: a/s focus the forms ---------------------------------------------------
  function focusForm(id) {
    var form = document.getElementById(id);
    if (!form) return false;
    var first = form.querySelector("select, textarea, input:not([type=hidden]), button");
    form.scrollIntoView({ block: "center" });
    if (first) first.focus();
    say(form.querySelector("h3").textContent);
    return true;
  }
  if (page === "report") {
    var back = document.getElementById("back-to-queue");
    var queue = sessionStorage.getItem(QUEUE_KEY);
    if (back && queue) back.href = queue;
    var wanted = new URLSearchParams(location.search).get("focus");
    if (wanted === "assign" || wanted === "status") focusForm(wanted);
    var to = document.getElementById("s-to");
    var text = document.getElementById("s-text");
    var pick = document.getElementById("s-standard");
    // The chosen status's standard texts only; its first one fills the message, which the
    // dispatcher may edit before sending (an edit is kept until another text is picked).
    function offer() {
      var first = null;
      Array.prototype.forEach.call(pick.options, function (option) {
        var mine = option.dataset.status === to.value;
        option.hidden = !mine;
        option.disabled = !mine;
        if (mine && !first) first = option;
      });
      if (first) pick.value = first.value;
    }
    function standard() {
      offer();
      var option = pick.options[pick.selectedIndex];
      if (!text.dataset.edited) text.value = option && !option.disabled ? option.dataset.text : "";
    }
    if (to && text && pick) {
      text.addEventListener("input", function () { text.dataset.edited = "1"; });
      to.addEventListener("change", standard);
      pick.addEventListener("change", function () {
        text.value = pick.options[pick.selectedIndex].dataset.text || "";
        delete text.dataset.edited;
      });
      standard();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (help && help.open) return;
    var key = event.key;
    if (key === "?") { showHelp(); event.preventDefault(); return; }
    if (page === "queue") {
      if (key === "j") { mark(current + 1); event.preventDefault(); }
      else if (key === "k") { mark(current < 0 ? 0 : current - 1); event.preventDefault(); }
      else if (key === "Enter" && currentRow() && document.activeElement.tagName !== "A") { open(currentRow()); event.preventDefault(); }
      else if (key === "a") { open(currentRow(), "assign"); event.preventDefault(); }
      else if (key === "s") { open(currentRow(), "status"); event.preventDefault(); }
      else if (key === "x" && currentRow()) {
        var box = currentRow().querySelector("input[type=checkbox]");
        box.checked = !box.checked;
        say(currentRow().dataset.shortId + (box.checked ? (en ? " selected" : " geselecteerd") : (en ? " not selected" : " niet geselecteerd")));
        event.preventDefault();
      }
    } else if (page === "report") {
      if (key === "a" && focusForm("assign")) event.preventDefault();
      else if (key === "s" && focusForm("status")) event.preventDefault();
      else if (key === "u") { location.href = document.getElementById("back-to-queue").href; event.preventDefault(); }
    }
  });

  // --- bulk: select all, and the action's own fields ---------------------------------------------
  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all") {
      rows().forEach(function (row) { row.querySelector("input[type=checkbox]").checked = event.target.checked; });
    }
  });
  var action = document.getElementById("b-action");
  function actionFields() {
    document.querySelectorAll("#bulk [data-for]").forEach(function (field) {
      field.hidden = field.dataset.for !== action.value;
    });
  }
  if (action) { action.addEventListener("change", actionFields); actionFields(); }

  // --- live: the staff feed over a WebSocket, with this session's cookie --------------------------
  var live = document.getElementById("live");
  if (page === "queue" && live && window.WebSocket) {
    var pending = null;
    var seen = 0;
    var connect = function (delay) {
      var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/v1/staff/feed/");
      socket.onopen = function () { live.dataset.connected = "true"; delay = 1000; };
      socket.onmessage = function (message) {
        var event = JSON.parse(message.data);
        if (event.type === "ping") { socket.send('{"type": "pong"}'); return; }
        if (!event.report) return;
        seen += 1;
        // A burst of events refreshes the rows once.
        if (pending) return;
        pending = window.setTimeout(function () {
          pending = null;
          var checked = rows().filter(function (row) { return row.querySelector("input[type=checkbox]").checked; }).map(function (row) { return row.dataset.id; });
          var focusedId = currentRow() && currentRow().dataset.id;
          document.getElementById("queue-refresh").addEventListener("htmx:afterSwap", function restore() {
            document.getElementById("queue-refresh").removeEventListener("htmx:afterSwap", restore);
            rows().forEach(function (row, index) {
              if (checked.indexOf(row.dataset.id) >= 0) row.querySelector("input[type=checkbox]").checked = true;
              if (row.dataset.id === focusedId) { row.classList.add("current"); current = index; }
            });
            live.dataset.updates = String(seen);
            live.textContent = en ? "The queue was updated." : "De wachtrij is bijgewerkt.";
          });
          window.htmx.trigger("#queue-refresh", "meldpunt:refresh");
        }, 300);
      };
      socket.onclose = function () {
        live.dataset.connected = "false";
        window.setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay);
      };
    };
    connect(1000);
  }
})();
