/* Maps in the console: a report's place (with the municipality's outline), and the map view
   of the queue's filter: clusters counted by the server below street zoom, the reports
   themselves (clustered by markercluster) above it; a click opens the report. */
(function () {
  "use strict";
  if (!window.L) return;
  function base(box) {
    L.Icon.Default.imagePath = document.querySelector("link[href*='leaflet.css']").href.replace(/leaflet\.css.*$/, "images/");
    // A maxZoom of its own: without a tile layer the map has none, and markercluster needs one.
    var map = L.map(box, { maxZoom: 19 });
    if (box.dataset.tileUrl) L.tileLayer(box.dataset.tileUrl, { maxZoom: 19, attribution: box.dataset.tileAttribution }).addTo(map);
    return map;
  }
  function outline(map, fit) {
    return fetch("/console/kaart/gebied.json").then(function (r) { return r.json(); }).then(function (geo) {
      var layer = L.geoJSON(geo, { style: { color: "#004f9f", weight: 2, fillOpacity: 0.04 }, interactive: false }).addTo(map);
      if (fit && layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { animate: false });
    }).catch(function () {});
  }

  var spot = document.getElementById("report-map");
  if (spot) {
    var where = [parseFloat(spot.dataset.lat), parseFloat(spot.dataset.lon)];
    var small = base(spot).setView(where, 16);
    outline(small, false);
    L.marker(where, { alt: document.getElementById("report-title").textContent, keyboard: false }).addTo(small);
  }

  var box = document.getElementById("console-map");
  if (!box) return;
  var map = base(box).setView([52.3731, 4.8926], 12);
  var streetZoom = parseInt(box.dataset.streetZoom, 10);
  var count = document.getElementById("map-count");
  var reports = L.markerClusterGroup();
  var cells = L.layerGroup();
  map.addLayer(reports);
  map.addLayer(cells);
  var request = 0;
  function load() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(6); }).join(",");
    var query = box.dataset.query ? box.dataset.query + "&" : "";
    var mine = ++request;
    fetch("/console/kaart/punten.json?" + query + "bbox=" + bbox + "&zoom=" + map.getZoom(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (mine !== request || !data.points) return;
        reports.clearLayers();
        cells.clearLayers();
        var total = 0;
        data.points.forEach(function (p) {
          total += p.count;
          if (p.id) {
            var label = p.category + " · " + p.status;
            var marker = L.marker([p.lat, p.lon], { title: label, alt: label });
            marker.on("click", function () { location.href = "/console/r/" + p.id + "/"; });
            reports.addLayer(marker);
          } else {
            var icon = L.divIcon({ className: "cell", html: "<span>" + p.count + "</span>", iconSize: [36, 36] });
            var cell = L.marker([p.lat, p.lon], { icon: icon, title: String(p.count), alt: String(p.count) });
            cell.on("click", function () { map.setView([p.lat, p.lon], Math.min(map.getZoom() + 2, streetZoom)); });
            cells.addLayer(cell);
          }
        });
        count.textContent = box.dataset.shown + ": " + total + (data.truncated || data.clustered ? " (" + box.dataset.zoomIn + ")" : "");
        box.dataset.loaded = String(total);
      }).catch(function () {});
  }
  map.on("moveend", load);
  outline(map, true).then(load);
})();
