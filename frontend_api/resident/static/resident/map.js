/* The public map: open reports as clustered markers, category and date only. */
(function () {
  "use strict";
  var box = document.getElementById("public-map");
  if (!box || !window.L) return;
  var en = box.dataset.lang === "en";
  L.Icon.Default.imagePath = document.querySelector("link[href*='leaflet.css']").href.replace(/leaflet\.css.*$/, "images/");
  // Without a tile layer nothing else says how far the map zooms (the clusters need it).
  var map = L.map(box, { maxZoom: 19, zoomSnap: 0.25 }).setView([52.3731, 4.8926], 12);
  if (box.dataset.tileUrl) L.tileLayer(box.dataset.tileUrl, { maxZoom: 19, attribution: box.dataset.tileAttribution }).addTo(map);
  meldpuntAreas(map, function (layer) { if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { animate: false }); });
  var cluster = L.markerClusterGroup();
  map.addLayer(cluster);
  var count = document.getElementById("map-count");
  function load() {
    var category = document.getElementById("map-category").value;
    fetch("/kaart/meldingen.json" + (category ? "?category=" + encodeURIComponent(category) : "")).then(function (r) { return r.json(); }).then(function (data) {
      cluster.clearLayers();
      cluster.addLayers(data.reports.map(function (r) {
        var label = (en ? r.category_en : r.category_nl) + ", " + r.created_on;
        var popup = document.createElement("p");
        popup.textContent = label;
        return L.marker([r.lat, r.lon], { title: label, alt: label }).bindPopup(popup);
      }));
      count.textContent = (en ? "Open reports shown: " : "Open meldingen getoond: ") + data.reports.length;
      box.dataset.loaded = String(data.reports.length);
    });
  }
  document.getElementById("map-category").addEventListener("change", load);
  load();
})();
