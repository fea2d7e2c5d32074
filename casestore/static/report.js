/* The web form (/report), better with JavaScript; every page works without it.
 *
 * - Service list: filters as the resident types, with the words and rule the server uses
 *   for ?q= (casestore/report/directory.py), and says how many match (a live region).
 * - Error summary: focused when the page comes back with problems.
 * - Address: suggestions from the case store's places endpoint in a <datalist>.
 * - "Use my location": the browser's position into the pin picker's hidden inputs, with
 *   location_source "device".
 * No framework, no inline script, no HTML from data: texts go in as text.
 */
(function () {
  "use strict";

  function fold(text) {
    var plain = (text || "").replace(/\u2019/g, "'").toLowerCase().normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "");
    return plain.match(/[a-z0-9]+(?:'[a-z]+)?/g) || [];
  }

  function matches(words, query) {
    return query.every(function (q) {
      return words.some(function (w) { return w.indexOf(q) === 0; });
    });
  }

  function serviceSearch() {
    var input = document.getElementById("q");
    var list = document.getElementById("services");
    var count = document.getElementById("service-count");
    if (!input || !list || !count) { return; }
    var items = Array.prototype.slice.call(list.querySelectorAll("li[data-words]"));
    var words = items.map(function (li) { return li.dataset.words.split(" "); });
    var timer = null;

    function filter() {
      var query = fold(input.value);
      var shown = 0;
      items.forEach(function (li, i) {
        var show = matches(words[i], query);
        li.hidden = !show;
        if (show) { shown += 1; }
      });
      list.querySelectorAll("section").forEach(function (section) {
        section.hidden = !section.querySelector("li:not([hidden])");
      });
      if (!query.length) {
        count.textContent = "";
      } else if (shown === 0) {
        count.textContent = count.dataset.none;
      } else if (shown === 1) {
        count.textContent = count.dataset.one;
      } else {
        count.textContent = count.dataset.many.replace("{n}", String(shown));
      }
    }

    input.addEventListener("input", function () {
      // Announce once the resident pauses, not on every key.
      window.clearTimeout(timer);
      timer = window.setTimeout(filter, 250);
    });
  }

  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  function suggestionText(item) {
    if (typeof item === "string") { return item; }
    return item && (item.label || item.address || item.text || item.name) || "";
  }

  function addressSuggestions() {
    var input = document.getElementById("address");
    var list = document.getElementById("address-suggestions");
    if (!input || !list || !input.dataset.suggest || !window.fetch) { return; }
    var timer = null;
    var asked = "";

    function ask() {
      var q = input.value.trim();
      if (q.length < 3 || q === asked) { return; }
      asked = q;
      window.fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q) + "&limit=5",
                   { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (body) {
          var items = Array.isArray(body) ? body : (body.suggestions || body.results || []);
          list.textContent = "";
          items.slice(0, 5).forEach(function (item) {
            var text = suggestionText(item);
            if (!text) { return; }
            var option = document.createElement("option");
            option.value = text;
            list.appendChild(option);
          });
        })
        .catch(function () { /* no suggestions: the typed address is enough */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 300);
    });
  }

  function useMyLocation() {
    var box = document.getElementById("locate");
    var button = document.getElementById("use-location");
    var status = document.getElementById("locate-status");
    var lat = document.getElementById("report-pin-lat");
    var lng = document.getElementById("report-pin-long");
    var source = document.getElementById("report-pin-source");
    if (!box || !button || !lat || !lng || !source || !navigator.geolocation) { return; }
    box.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = box.dataset.asking;
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        source.value = "device";
        status.textContent = box.dataset.found.replace("{lat}", lat.value)
          .replace("{long}", lng.value);
      }, function () {
        status.textContent = box.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  serviceSearch();
  focusErrors();
  addressSuggestions();
  useMyLocation();
}());
