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
          if (f.properties.type !== "municipality") l.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "area-label", interactive: false });
        }
      }).addTo(map);
      if (done) done(layer);
      return layer;
    }).catch(function () {});
  };
})();
