"""The city limits: a GeoJSON polygon checked with shapely.

The catalog names the file (``city.limits``, relative to the catalog's
folder) and loads it, hence a module of its own outside casestore.geo, whose
modules read the catalog. ``config/city_limits.geojson`` is a simplified
outline of Atlanta drawn by hand (docs/casestore.md, "Places", says how a city
puts its official boundary in its place). The file may hold a Polygon or
MultiPolygon, bare, as a Feature, or as a FeatureCollection (every feature's
area counts). GeoJSON positions are ``[long, lat]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.prepared import PreparedGeometry, prep


class LimitsError(ValueError):
    """The limits file is missing or is not a polygon; the message says which and why."""


@dataclass(frozen=True)
class CityLimits:
    """The area a point must fall in to be in the city."""

    path: str
    geometry: BaseGeometry = field(repr=False, compare=False)
    # A prepared geometry answers many point-in-polygon questions fast.
    _prepared: PreparedGeometry = field(repr=False, compare=False)

    def contains(self, lat: float, long: float) -> bool:
        """Return True when the point is inside the limits (a point on the line counts)."""
        return self._prepared.covers(Point(long, lat))

    def bounds(self) -> dict[str, float]:
        """Return the limits' bounding box: ``min_lat``, ``max_lat``, ``min_long``, ``max_long``
        (a map's first view; never a test of being in the city)."""
        min_long, min_lat, max_long, max_lat = self.geometry.bounds
        return {"min_lat": min_lat, "max_lat": max_lat, "min_long": min_long, "max_long": max_long}


def _geometries(data: dict) -> list[dict]:
    kind = data.get("type")
    if kind == "FeatureCollection":
        return [f.get("geometry") or {} for f in data.get("features") or []]
    if kind == "Feature":
        return [data.get("geometry") or {}]
    return [data]


def load_limits(path: str | Path) -> CityLimits:
    """Read the GeoJSON file at ``path``; raise ``LimitsError`` unless it holds polygons."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise LimitsError(f"{path}: cannot read the city limits: {exc.strerror}") from None
    except ValueError as exc:
        raise LimitsError(f"{path}: the city limits are not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise LimitsError(f"{path}: the city limits must be a GeoJSON object")
    parts = []
    for geometry in _geometries(data):
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon",
                                                                           "MultiPolygon"):
            raise LimitsError(f"{path}: the city limits must be Polygon or MultiPolygon "
                              "geometries")
        try:
            parts.append(shape(geometry))
        except (ValueError, TypeError, IndexError) as exc:
            raise LimitsError(f"{path}: a city limits polygon is malformed: {exc}") from None
    area = unary_union(parts) if parts else None
    if area is None or area.is_empty or not area.is_valid:
        raise LimitsError(f"{path}: the city limits must be one valid, non-empty area")
    return CityLimits(str(path), area, prep(area))
