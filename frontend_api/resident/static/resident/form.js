/* The report form, enhanced: three steps, suggestions as you type (HTMX), a map with a
 * draggable pin, the address alternative, photos resized on the phone, and the outbox that
 * sends the report exactly once, now or when the network returns. Without this script the
 * form is a plain form post. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var $ = function (id) { return document.getElementById(id); };
  var lang = document.documentElement.lang || "nl";
  var T = {
    nl: { pending: "Uw melding is bewaard op deze telefoon en wordt verzonden zodra er weer verbinding is.",
          sending: "Uw melding wordt verzonden…", noPlace: "Kies de plek op de kaart, typ het adres, of voeg een foto met locatie toe.",
          noText: "Beschrijf het probleem.", located: "Uw locatie is gebruikt.", noLocation: "Uw locatie is niet beschikbaar; zet de pin op de kaart of typ het adres.",
          gps: "De plek is overgenomen uit de foto.", check: "Controleer het formulier", photo: "Foto" },
    en: { pending: "Your report is saved on this phone and will be sent as soon as there is a connection again.",
          sending: "Sending your report…", noPlace: "Choose the place on the map, type the address, or add a photo with a location.",
          noText: "Describe the problem.", located: "Your location was used.", noLocation: "Your location is not available; put the pin on the map or type the address.",
          gps: "The place was taken from the photo.", check: "Please check the form", photo: "Photo" }
  }[lang === "en" ? "en" : "nl"];
  var status = $("outbox-status");
  function say(text) { status.textContent = text; status.hidden = !text; }

  /* --- steps ------------------------------------------------------------------------- */
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var current = 1;
  function show(n, focus) {
    current = n;
    steps.forEach(function (step) { step.hidden = Number(step.dataset.step) !== n; });
    form.querySelectorAll(".steps li").forEach(function (li) {
      if (Number(li.dataset.step) === n) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
    });
    if (n === 2) loadLeaflet().then(function () { initMap(); map.invalidateSize(); }).catch(function () {});
    if (n === 3) placeCheck("nearby");
    if (focus) { var legend = $("step-" + n).querySelector("legend"); legend.tabIndex = -1; legend.focus(); }
  }
  form.addEventListener("click", function (event) {
    var go = event.target.closest("[data-go]");
    if (!go) return;
    var to = Number(go.dataset.go);
    if (to > current && !stepValid(current)) return;
    show(to, true);
  });
  function fieldError(id, message) {
    var input = $(id), box = input.closest(".field") || input.parentNode, p = $(id + "-error");
    if (!message) { if (p && p.dataset.js) p.remove(); input.removeAttribute("aria-invalid"); box.classList.remove("invalid"); return; }
    if (!p) { p = document.createElement("p"); p.className = "error"; p.id = id + "-error"; p.dataset.js = "1"; box.appendChild(p); }
    p.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "").replace(id + "-error", "") + " " + id + "-error").trim());
    box.classList.add("invalid");
  }
  // Where a missing place is said: the address field, or the coordinates without it.
  function placeField() { return $("address-field").hidden ? "lat" : "address"; }
  function hasPlace() { return ($("lat").value && $("lon").value) || photoGps; }
  function stepValid(n) {
    if (n === 1) {
      var ok = $("text").value.trim().length > 0;
      fieldError("text", ok ? "" : T.noText);
      if (!ok) $("text").focus();
      return ok;
    }
    if (n === 2) {
      var placed = hasPlace(), field = placeField();
      fieldError(field, placed ? "" : T.noPlace);
      if (!placed) { if (field === "lat") $("lat").closest("details").open = true; $(field).focus(); }
      return placed;
    }
    return true;
  }

  /* --- suggestions: a picked one sets the category ------------------------------------- */
  $("suggestions").addEventListener("change", function (event) {
    if (event.target.name === "suggested") { $("category").value = event.target.value; placeCheck("area"); }
  });

  /* --- the map ------------------------------------------------------------------------ */
  var map = null, pin = null, outline = null;
  var DAM = [52.3731, 4.8926];
  function setPlace(lat, lon, fromMap) {
    $("lat").value = lat.toFixed(6); $("lon").value = lon.toFixed(6);
    fieldError(placeField(), "");
    if (map) {
      if (!pin) {
        pin = L.marker([lat, lon], { draggable: true, keyboard: true, title: lang === "en" ? "Place of the problem" : "Plek van het probleem", alt: lang === "en" ? "Pin" : "Pin" }).addTo(map);
        pin.on("dragend", function () { var p = pin.getLatLng(); setPlace(p.lat, p.lng, true); });
      } else pin.setLatLng([lat, lon]);
      if (!fromMap) map.setView([lat, lon], Math.max(map.getZoom(), 15));
    }
    placeCheck("area");
  }
  /* Leaflet (the largest part) loads after the form is usable, or when step 2 opens first:
   * the first step needs no map, and a phone on a bad connection gets to type sooner. */
  var leaflet = null;
  function loadLeaflet() {
    if (leaflet) return leaflet;
    leaflet = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet"; css.href = form.dataset.leafletCss;
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = form.dataset.leafletJs;
      script.onload = resolve; script.onerror = function () { leaflet = null; reject(); };
      document.head.appendChild(script);
    });
    return leaflet;
  }
  function initMap() {
    if (map || !window.L || !$("map")) return;
    L.Icon.Default.imagePath = form.dataset.leafletCss.replace(/leaflet\.css.*$/, "images/");
    map = L.map("map", { zoomControl: true, maxZoom: 19, zoomSnap: 0.25 }).setView(DAM, 13);
    var tiles = form.dataset.tileUrl;
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: form.dataset.tileAttribution }).addTo(map);
    meldpuntAreas(map, function (layer) {
      outline = layer;
      if (!pin && layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { animate: false });
    });
    map.on("click", function (event) { setPlace(event.latlng.lat, event.latlng.lng, true); });
    if ($("lat").value && $("lon").value) setPlace(Number($("lat").value), Number($("lon").value));
  }
  $("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { fieldError(placeField(), T.noLocation); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPlace(pos.coords.latitude, pos.coords.longitude); say("");
    }, function () { fieldError(placeField(), T.noLocation); }, { enableHighAccuracy: true, timeout: 10000 });
  });
  ["lat", "lon"].forEach(function (id) {
    $(id).addEventListener("change", function () {
      var lat = Number($("lat").value), lon = Number($("lon").value);
      if ($("lat").value && $("lon").value && isFinite(lat) && isFinite(lon)) setPlace(lat, lon);
    });
  });

  /* Inside the municipality or not (step 2), similar reports nearby (step 3). */
  function placeCheck(part) {
    if (!window.htmx || !$("lat").value || !$("lon").value) return;
    var query = "lat=" + encodeURIComponent($("lat").value) + "&lon=" + encodeURIComponent($("lon").value) +
      "&category=" + encodeURIComponent($("category").value) + "&part=" + part;
    htmx.ajax("GET", "/plek/?" + query, { target: part === "nearby" ? "#nearby" : "#place-check", swap: "innerHTML" });
  }
  $("category").addEventListener("change", function () { placeCheck("area"); });

  /* --- the address alternative: a combobox, usable with the keyboard alone --------------- */
  var address = $("address"), options = $("address-options"), found = [], active = -1, timer = null;
  function closeList() { options.hidden = true; address.setAttribute("aria-expanded", "false"); address.removeAttribute("aria-activedescendant"); active = -1; }
  function choose(i) {
    var a = found[i]; if (!a) return;
    address.value = a.display; closeList(); setPlace(Number(a.lat), Number(a.lon));
  }
  function mark(i) {
    active = i;
    Array.prototype.forEach.call(options.children, function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    if (i >= 0) address.setAttribute("aria-activedescendant", "address-option-" + i);
  }
  function search() {
    var q = address.value.trim();
    if (q.length < 3) { closeList(); return; }
    fetch("/api/v1/public/addresses/?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } }).then(function (r) {
      if (r.status === 404) { hideAddress(); return null; }
      return r.ok ? r.json() : null;
    }).then(function (json) {
      if (!json) return;
      found = Array.isArray(json) ? json : (json.results || []);
      options.innerHTML = "";
      found.slice(0, 8).forEach(function (a, i) {
        var li = document.createElement("li");
        li.id = "address-option-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        li.textContent = a.display;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        options.appendChild(li);
      });
      var any = found.length > 0;
      options.hidden = !any; address.setAttribute("aria-expanded", any ? "true" : "false"); active = -1;
    }).catch(function () {});
  }
  function hideAddress() { $("address-field").hidden = true; address.disabled = true; }
  address.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 300); });
  address.addEventListener("keydown", function (event) {
    var n = Math.min(found.length, 8);
    if (event.key === "ArrowDown" && n) { event.preventDefault(); if (options.hidden) { options.hidden = false; address.setAttribute("aria-expanded", "true"); } mark((active + 1) % n); }
    else if (event.key === "ArrowUp" && n) { event.preventDefault(); mark((active - 1 + n) % n); }
    else if (event.key === "Enter" && !options.hidden && active >= 0) { event.preventDefault(); choose(active); }
    else if (event.key === "Escape") closeList();
  });
  address.addEventListener("blur", function () { setTimeout(closeList, 100); });
  // Without the address search (the extract not loaded here) the field goes.
  fetch("/api/v1/public/addresses/?q=", { method: "GET" }).then(function (r) { if (r.status === 404) hideAddress(); }).catch(function () {});

  /* --- photos: resized on the phone, a GPS position read from the original ---------------- */
  var MAX_SIDE = 1600, resized = [], photoGps = null;
  function exifGps(buffer) {
    var view = new DataView(buffer), offset = 2;
    if (view.getUint16(0) !== 0xFFD8) return null;
    while (offset + 4 < view.byteLength) {
      var marker = view.getUint16(offset), size = view.getUint16(offset + 2);
      if (marker === 0xFFE1 && view.getUint32(offset + 4) === 0x45786966) return tiffGps(view, offset + 10);
      if ((marker & 0xFF00) !== 0xFF00) return null;
      offset += 2 + size;
    }
    return null;
  }
  function tiffGps(view, start) {
    var little = view.getUint16(start) === 0x4949;
    var u16 = function (o) { return view.getUint16(start + o, little); }, u32 = function (o) { return view.getUint32(start + o, little); };
    function entries(ifd) { var n = u16(ifd), out = {}; for (var i = 0; i < n; i++) { var e = ifd + 2 + i * 12; out[u16(e)] = e; } return out; }
    var ifd0 = entries(u32(4));
    if (!ifd0[0x8825]) return null;
    var gps = entries(u32(ifd0[0x8825] + 8));
    function coord(tag) { if (!gps[tag]) return null; var o = u32(gps[tag] + 8), v = 0; for (var i = 0; i < 3; i++) v += u32(o + i * 8) / u32(o + i * 8 + 4) / Math.pow(60, i); return v; }
    function ref(tag) { return gps[tag] ? String.fromCharCode(view.getUint8(start + gps[tag] + 8)) : ""; }
    var lat = coord(2), lon = coord(4);
    if (lat === null || lon === null) return null;
    return { lat: ref(1) === "S" ? -lat : lat, lon: ref(3) === "W" ? -lon : lon };
  }
  function resize(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(function (blob) { resolve({ blob: blob, canvas: canvas }); }, "image/jpeg", 0.82); });
    });
  }
  $("photos").addEventListener("change", function () {
    var files = Array.prototype.slice.call(this.files, 0, Number(form.dataset.maxPhotos) || 5);
    var previews = $("photo-previews");
    previews.innerHTML = ""; resized = []; photoGps = null;
    Promise.all(files.map(function (file, i) {
      var gpsRead = file.slice(0, 256 * 1024).arrayBuffer().then(function (b) {
        try { return exifGps(b); } catch (e) { return null; }
      });
      return Promise.all([resize(file), gpsRead]).then(function (both) {
        var r = both[0]; resized[i] = r.blob;
        r.canvas.setAttribute("role", "img"); r.canvas.setAttribute("aria-label", T.photo + " " + (i + 1));
        previews.appendChild(r.canvas);
        if (both[1] && !photoGps) photoGps = both[1];
      }).catch(function () { resized[i] = file; });
    })).then(function () {
      if (photoGps && !($("lat").value && $("lon").value)) { setPlace(photoGps.lat, photoGps.lon); say(T.gps); }
    });
  });

  /* --- sending: through the outbox, exactly once ----------------------------------------- */
  function fields() {
    var out = { text: $("text").value, source: "web", language: $("language").value };
    ["lat", "lon", "category", "email", "phone"].forEach(function (name) { if ($(name).value.trim()) out[name] = $(name).value.trim(); });
    if ($("allow_contact").checked) out.allow_contact = "true";
    return out;
  }
  var ours = {};
  function done(entry) {
    if (!ours[entry.key]) return;
    if (entry.state === "sent") {
      MeldpuntOutbox.remove(entry.key).then(function () { location.assign("/r/" + entry.answer.tracking_token + "/"); });
    } else if (entry.state === "refused") {
      MeldpuntOutbox.remove(entry.key);
      showErrors((entry.answer && entry.answer.fields) || {}, entry.answer && entry.answer.message);
    }
  }
  function showErrors(errors, message) {
    say("");
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var id = name.split(".")[0];
      if (id === "lat" || id === "lon") id = placeField();
      if (!$(id)) return;
      fieldError(id, [].concat(errors[name]).join(" "));
      if (!first) first = id;
    });
    if (!first) { say(message || T.check); return; }
    var step = $(first).closest(".step"); show(Number(step.dataset.step)); $(first).focus();
  }
  function flush() {
    return MeldpuntOutbox.flush(done).then(function (left) {
      if (left > 0) say(T.pending);
      return left;
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!stepValid(1)) { show(1); return; }
    if (!stepValid(2)) { show(2); return; }
    var photos = resized.filter(Boolean);
    if (photoGps && !($("lat").value && $("lon").value)) { $("lat").value = photoGps.lat.toFixed(6); $("lon").value = photoGps.lon.toFixed(6); }
    $("submit").disabled = true;
    say(T.sending);
    MeldpuntOutbox.add({ fields: fields(), photos: photos }).then(function (entry) {
      ours[entry.key] = true;
      if (navigator.serviceWorker && window.SyncManager) {
        navigator.serviceWorker.ready.then(function (reg) { return reg.sync.register("meldpunt-outbox"); }).catch(function () {});
      }
      return flush();
    }).then(function (left) { if (!left) $("submit").disabled = false; })
      .catch(function () { $("submit").disabled = false; say(T.pending); });
  });
  // Whatever this phone still holds from before (made offline, the page closed since) goes too.
  MeldpuntOutbox.all().then(function (entries) {
    entries.forEach(function (e) { ours[e.key] = true; if (e.state !== "pending") done(e); });
    if (entries.some(function (e) { return e.state === "pending"; })) { say(T.pending); flush(); }
  }).catch(function () {});
  window.addEventListener("online", flush);
  setInterval(function () { if (!status.hidden && status.textContent === T.pending) flush(); }, 5000);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox") MeldpuntOutbox.all().then(function (entries) {
        entries.forEach(function (e) { if (e.key === event.data.key) done(e); });
      });
    });
  }

  steps.forEach(function (step) { step.hidden = true; });
  var firstError = form.querySelector(".invalid");
  show(firstError ? Number(firstError.closest(".step").dataset.step) : 1);
  window.addEventListener("load", function () { loadLeaflet().then(initMap).catch(function () {}); });
  // The enhanced form is ready for the resident (bench/resident_page.py measures this mark).
  form.dataset.ready = "true";
  if (window.performance && performance.mark) performance.mark("form-ready");
})();
