/* ATL311 maps: draws every element marked data-map (templates/_map.html) with Leaflet.
 *
 * data-map="point":   one place (data-lat, data-long); data-radius (metres) draws a
 *                     circle instead of a pin, for points rounded to a block.
 * data-map="cluster": many places (data-points: JSON [{lat, long, label, url}]), clustered.
 * data-map="picker":  a pin for a form; writes the hidden inputs it names
 *                     (data-lat-input, data-long-input, data-source-input = "resident_pin").
 * Every map: tiles from data-tiles, attribution (plain text) from data-attribution.
 * No inline script and no HTML from data: texts go in as text nodes.
 */
(function () {
  "use strict";
  if (!window.L) { return; }

  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text || "";
    return span.innerHTML;
  }

  function baseMap(el) {
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19,
      attribution: escapeText(el.dataset.attribution),
      // Pages send no Referer (tokens in URLs); tile servers get the site's origin only.
      referrerPolicy: "strict-origin"
    }).addTo(map);
    el.classList.add("map-ready");
    return map;
  }

  function linkPopup(label, url) {
    var a = document.createElement("a");
    a.href = url;
    a.textContent = label;
    return a;
  }

  function pointMap(el) {
    var map = baseMap(el);
    var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.long)];
    var radius = parseFloat(el.dataset.radius);
    if (radius > 0) {
      L.circle(at, { radius: radius, className: "map-precision" }).addTo(map);
    } else {
      L.marker(at, { alt: el.dataset.markerLabel, interactive: false, keyboard: false }).addTo(map);
    }
    map.setView(at, parseInt(el.dataset.zoom, 10) || 17);
  }

  function clusterMap(el) {
    var map = baseMap(el);
    var points = JSON.parse(el.dataset.points || "[]");
    var group = L.markerClusterGroup ? L.markerClusterGroup() : L.featureGroup();
    points.forEach(function (p) {
      var marker = L.marker([p.lat, p.long], { alt: p.label, title: p.label });
      marker.bindPopup(linkPopup(p.label, p.url));
      group.addLayer(marker);
    });
    map.addLayer(group);
    if (points.length === 1) {
      map.setView([points[0].lat, points[0].long], 16);
    } else {
      map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 17 });
    }
  }

  function pickerMap(el) {
    var map = baseMap(el);
    var lat = document.getElementById(el.dataset.latInput);
    var lng = document.getElementById(el.dataset.longInput);
    var source = document.getElementById(el.dataset.sourceInput);
    var status = document.getElementById(el.dataset.status);
    var clear = document.getElementById(el.dataset.clear);
    var marker = null;

    function say(text) { if (status) { status.textContent = text; } }

    function write(latlng, fromResident) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
      if (fromResident) { source.value = "resident_pin"; }
      say((el.dataset.placedText || "").replace("{lat}", lat.value).replace("{long}", lng.value));
      if (clear) { clear.hidden = false; }
    }

    function place(latlng, fromResident) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: true, alt: el.dataset.markerLabel }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng(), true); });
      }
      write(latlng, fromResident);
    }

    map.on("click", function (e) { place(e.latlng, true); });
    // Keyboard: Leaflet pans with the arrow keys; Enter on the map itself drops the pin
    // at its centre.
    el.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.target === el) {
        e.preventDefault();
        place(map.getCenter(), true);
      }
    });
    // Another script (a "use my location" button) moves the pin with
    // el.dispatchEvent(new CustomEvent("pin:set", {detail: {lat: .., long: .., source: ..}})).
    el.addEventListener("pin:set", function (e) {
      place(L.latLng(e.detail.lat, e.detail.long), false);
      if (e.detail.source) { source.value = e.detail.source; }
      map.setView(marker.getLatLng(), 17);
    });
    if (clear) {
      clear.addEventListener("click", function () {
        if (marker) { map.removeLayer(marker); marker = null; }
        lat.value = ""; lng.value = ""; source.value = "";
        clear.hidden = true;
        say(el.dataset.clearedText || "");
      });
    }

    var start = [parseFloat(lat.value), parseFloat(lng.value)];
    if (!isNaN(start[0]) && !isNaN(start[1])) {
      place(L.latLng(start[0], start[1]), false);
      map.setView(start, 17);
    } else {
      map.fitBounds(JSON.parse(el.dataset.bounds));
    }
  }

  var draw = { point: pointMap, cluster: clusterMap, picker: pickerMap };
  document.querySelectorAll("[data-map]").forEach(function (el) {
    var kind = draw[el.dataset.map];
    if (kind && el.dataset.tiles) { kind(el); }
  });
}());
