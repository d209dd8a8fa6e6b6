/* The 招商地图 and the record pages' small maps (projects/maps.py): parks as outlines,
   parcels filled by status or supply mode (colours in map.css), drawn with Leaflet from
   the app's own GeoJSON. No tiles: nothing is fetched from outside the app. */
(function () {
  "use strict";

  const JINYUN = [28.66, 120.09];

  function readJSON(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status + " " + url); }
        return response.json();
      });
  }

  // One row of a popup's list: a term and its value, written as text, never as HTML.
  function row(list, term, value) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = value; }
    list.append(dt, dd);
  }

  function link(url, text) {
    const a = document.createElement("a");
    a.href = url;
    a.textContent = text;
    return a;
  }

  function parcelPopup(p, labels) {
    const box = document.createElement("div");
    box.className = "map-popup";
    const title = document.createElement("strong");
    title.appendChild(link(p.url, p.code));
    box.appendChild(title);
    const list = document.createElement("dl");
    row(list, labels.park, p.park);
    row(list, labels.area, p.area_mu === null ? "—" : p.area_mu);
    if (p.boundary_area_mu !== null) {
      row(list, labels.drawn, p.boundary_area_mu + (p.area_mismatch ? " ⚠ " + labels.mismatch : ""));
    }
    row(list, labels.status, p.status_label);
    row(list, labels.supply_mode, p.supply_mode_label);
    if (p.projects.length) {
      const projects = document.createElement("span");
      p.projects.forEach(function (project, index) {
        if (index) { projects.append("、"); }
        projects.appendChild(link(project.url, project.name));
      });
      row(list, labels.projects, projects);
    }
    box.appendChild(list);
    if (p.illustrative) {
      const note = document.createElement("p");
      note.className = "text-body-secondary mb-1";
      note.textContent = labels.illustrative;
      box.appendChild(note);
    }
    box.appendChild(link(p.url, labels.open));
    return box;
  }

  function parkPopup(p) {
    const box = document.createElement("div");
    box.className = "map-popup";
    box.appendChild(link(p.url, p.name));
    return box;
  }

  function draw(element) {
    const labels = readJSON("map-labels");
    const map = L.map(element, { zoomSnap: 0.25, scrollWheelZoom: element.classList.contains("ledger-map-large") });
    L.control.scale({ imperial: false }).addTo(map);
    if (element.dataset.basemapUrl) {
      const corners = element.dataset.basemapBounds.split(",").map(Number);
      L.imageOverlay(element.dataset.basemapUrl, [[corners[1], corners[0]], [corners[3], corners[2]]], {
        className: "map-basemap",
      }).addTo(map);
    }
    const parks = L.geoJSON(null, {
      style: { className: "park", fill: false, interactive: true },
      onEachFeature: function (feature, layer) { layer.bindPopup(function () { return parkPopup(feature.properties); }); },
    }).addTo(map);
    const parcels = L.geoJSON(null, {
      style: function (feature) {
        const p = feature.properties;
        return { className: "parcel status-" + p.status + " supply_mode-" + p.supply_mode + (p.area_mismatch ? " mismatch" : "") };
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () { return parcelPopup(feature.properties, labels); });
      },
    }).addTo(map);

    function add(collection) {
      collection.features.forEach(function (feature) {
        (feature.properties.kind === "park" ? parks : parcels).addData(feature);
      });
    }

    const sources = [];
    const inline = element.dataset.features && readJSON(element.dataset.features);
    if (inline) { add(inline); }
    ["parksUrl", "parcelsUrl"].forEach(function (name) {
      if (element.dataset[name]) { sources.push(fetchJSON(element.dataset[name]).then(add)); }
    });
    Promise.all(sources).then(function () {
      const bounds = parcels.getBounds().isValid() ? parcels.getBounds() : parks.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 });
      } else {
        map.setView(JINYUN, 11);
        const empty = document.createElement("p");
        empty.className = "map-empty";
        empty.textContent = labels.none;
        element.appendChild(empty);
      }
      element.dataset.parcels = parcels.getLayers().length;
      element.dataset.ready = "true";
    }).catch(function (error) {
      element.dataset.ready = "failed";
      throw error;
    });

    // The colouring switch: a class on the map, and the legend that goes with it.
    const wrap = element.closest(".ledger-map-wrap");
    wrap.querySelectorAll("input[name=map-colour]").forEach(function (input) {
      input.addEventListener("change", function () {
        element.classList.toggle("by-status", input.value === "status");
        element.classList.toggle("by-supply_mode", input.value === "supply_mode");
        wrap.querySelectorAll(".legend-status, .legend-supply_mode").forEach(function (legend) {
          legend.hidden = !legend.classList.contains("legend-" + input.value);
        });
      });
    });
    window.addEventListener("beforeprint", function () { map.invalidateSize(); });
  }

  document.querySelectorAll(".ledger-map").forEach(draw);
})();
