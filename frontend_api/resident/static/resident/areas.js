/* The municipality's areas as a map's background (backend/geo): the service area's outline
 * strong, the districts and neighbourhoods within it thin and named. Shared by the maps. */
(function () {
  "use strict";
  var STYLE = {
    municipality: { color: "#004f9f", weight: 3, fillColor: "#ffffff", fillOpacity: 0.6 },
    district: { color: "#4d4d4d", weight: 1.5, fill: false },
    neighbourhood: { color: "#6b6b6b", weight: 1, dashArray: "4 4", fill: false }
  };
  window.meldpuntAreas = function (map, done) {
    return fetch("/kaart/gebied.json").then(function (r) { return r.json(); }).then(function (geo) {
      var layer = L.geoJSON(geo, {
        interactive: false,
        style: function (f) { return STYLE[f.properties.type] || STYLE.district; },
        onEachFeature: function (f, l) {
          if (f.properties.type !== "municipality") l.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "area-label area-label-" + f.properties.type, interactive: false });
        }
      }).addTo(map);
      // Names that fit the zoom: districts from afar, neighbourhoods close by.
      var labels = function () {
        var zoom = map.getZoom(), box = map.getContainer();
        box.classList.toggle("labels-district", zoom >= 12 && zoom < 14);
        box.classList.toggle("labels-neighbourhood", zoom >= 14);
      };
      map.on("zoomend", labels); labels();
      if (done) done(layer);
      return layer;
    }).catch(function () {});
  };
})();
