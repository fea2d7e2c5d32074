"""Maps on the case store's pages: the tile settings, the page's policy and the assets.

Leaflet and Leaflet.markercluster are vendored under ``static/vendor/`` (no
CDN); ``static/map.js`` draws every element a template marks with
``data-map`` (the macros of ``templates/_map.html``), so pages keep no inline
script. Tiles come from ``MAP_TILE_URL`` with ``MAP_ATTRIBUTION`` (settings,
casestore/config.py). Unset, no map is drawn: the pages show the typed address
and a link to an outside map, as they always did.

The pages kernel's Content-Security-Policy forbids scripts; a page that drew a
map (``map_assets`` was called while rendering it) gets ``script-src 'self'``
and the tile host's origin in ``img-src`` (``page_policy``), nothing more.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Flask, current_app, g, url_for
from markupsafe import Markup

# Leaflet's own zoom limit for OpenStreetMap-style tiles.
MAX_ZOOM = 19
# What a point rounded to BLOCK_DECIMALS (disclosure.py) may be off by: the circle drawn
# around a rounded point, in metres.
BLOCK_RADIUS_M = 100
EARTH_RADIUS_M = 6_371_000


def tile_url() -> str | None:
    """Return ``MAP_TILE_URL`` (``{z}/{x}/{y}`` template), or None when maps are off."""
    url = (current_app.config.get("MAP_TILE_URL") or "").strip()
    return url if tile_origin(url) else None


def maps_enabled() -> bool:
    """Return True when pages draw maps (a usable ``MAP_TILE_URL`` is set)."""
    return tile_url() is not None


def map_attribution() -> str:
    """Return ``MAP_ATTRIBUTION`` as plain text (the script escapes it)."""
    return (current_app.config.get("MAP_ATTRIBUTION") or "").strip()


def tile_origin(url: str | None) -> str | None:
    """Return the CSP source of a tile URL template: ``https://tile.example.org``.

    A ``{s}`` subdomain placeholder becomes CSP's ``*.`` wildcard; anything
    that is not an http(s) URL with a host gives None (no map, nothing allowed).
    """
    parts = urlsplit((url or "").replace("{s}.", "placeholder-s."))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.netloc.rsplit("@", 1)[-1].replace("placeholder-s.", "*.")
    if any(c in host for c in "{} ;,'\""):
        return None
    return f"{parts.scheme}://{host}"


def map_assets(cluster: bool = False) -> Markup:
    """Return the map's stylesheet and script tags, the first time a page asks for them.

    Every map macro calls it, so a page with several maps loads each file
    once; it also marks the response for ``page_policy``. ``cluster`` adds
    Leaflet.markercluster (called again with it after a plain map, it adds
    only that).
    """
    if not maps_enabled():
        return Markup("")
    done = g.setdefault("map_assets", set())
    static = "static"
    wanted = [("leaflet", "vendor/leaflet/leaflet.css", "vendor/leaflet/leaflet.js")]
    if cluster:
        wanted.append(("cluster", "vendor/leaflet.markercluster/MarkerCluster.css",
                       "vendor/leaflet.markercluster/leaflet.markercluster.js"))
        wanted.append(("cluster-default", "vendor/leaflet.markercluster/MarkerCluster.Default.css",
                       None))
    wanted.append(("ours", "map.css", "map.js"))
    tags = []
    for name, css, js in wanted:
        if name in done:
            continue
        done.add(name)
        tags.append(Markup('<link rel="stylesheet" href="{}">').format(
            url_for(static, filename=css)))
        if js:
            # defer keeps document order: Leaflet, the cluster plugin, then map.js.
            tags.append(Markup('<script defer src="{}"></script>').format(
                url_for(static, filename=js)))
    return Markup("\n").join(tags)


def page_policy(base: str) -> str:
    """Return the Content-Security-Policy ``base`` widened for a page that drew a map.

    Adds ``script-src 'self'`` and the tile host's origin to ``img-src``;
    a page without a map keeps ``base`` as it is.
    """
    origin = tile_origin(tile_url())
    if not g.get("map_assets") or origin is None:
        return base
    directives = [d.strip() for d in base.split(";") if d.strip()]
    names = [d.split()[0] for d in directives]
    if "img-src" in names:
        i = names.index("img-src")
        directives[i] = f"{directives[i]} {origin}"
    else:
        directives.append(f"img-src 'self' {origin}")
    if "script-src" not in names:
        directives.append("script-src 'self'")
    return "; ".join(directives)


def distance_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Return the great-circle distance between two points, in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def degrees_around(lat: float, metres: float) -> tuple[float, float]:
    """Return (degrees of latitude, degrees of longitude) spanning ``metres`` at ``lat``."""
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    dlong = dlat / max(math.cos(math.radians(lat)), 0.01)
    return dlat, dlong


def city_bounds() -> list[list[float]]:
    """Return the city limits' box as Leaflet bounds: ``[[south, west], [north, east]]``."""
    from .catalog import get_catalog

    b = get_catalog().city.limits.bounds()
    return [[b["min_lat"], b["min_long"]], [b["max_lat"], b["max_long"]]]


def init_maps(app: Flask) -> None:
    """Give templates ``map_assets()``, ``maps_enabled()`` and the map settings."""
    app.jinja_env.globals.update(
        map_assets=map_assets,
        map_city_bounds=city_bounds,
        maps_enabled=maps_enabled,
        map_tile_url=tile_url,
        map_attribution=map_attribution,
        MAP_BLOCK_RADIUS_M=BLOCK_RADIUS_M,
    )
