"""The offline geocoder: address points and street segments shipped in ``config/``.

Two small files beside the catalog, for part of Atlanta (Downtown, Midtown and
the addresses the tests and benchmarks use; docs/casestore.md, "Places"):

- ``address_points.csv``: ``number,street,lat,long``, one known address each
  (``412,Boulevard SE,33.7445,-84.3712``);
- ``streets.csv``: ``street,from_number,to_number,from_lat,from_long,to_lat,to_long``,
  straight segments of a street along which a house number is interpolated.

Streets are written as agents write them ("Peachtree St NE") and matched by
the case store's normalisation (keys.py). A known point wins; else a number on
a segment of the street is placed in proportion along it; a street typed
without its quadrant ("Ralph McGill Blvd") matches when only one quadrant has
it. A crossing ("Ponce de Leon Ave NE & Monroe Dr NE") is where the two
streets' segments meet. Anything else is not found.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import LineString, MultiLineString, Point

from .base import Location
from .keys import address_key, split_number, street_key

POINTS_FILE = "address_points.csv"
STREETS_FILE = "streets.csv"
_QUADRANTS = ("NE", "NW", "SE", "SW", "N", "S", "E", "W")


@dataclass(frozen=True)
class AddressPoint:
    """One known address: its label as agents write it and its point."""

    label: str
    key: str
    lat: float
    long: float


@dataclass(frozen=True)
class Segment:
    """A straight stretch of a street from one house number to another."""

    from_number: int
    to_number: int
    start: tuple[float, float]  # (lat, long) at from_number
    end: tuple[float, float]  # (lat, long) at to_number

    def covers(self, number: int) -> bool:
        """Return True when ``number`` lies between the segment's two numbers."""
        low, high = sorted((self.from_number, self.to_number))
        return low <= number <= high

    def at(self, number: int) -> Location:
        """Return the point ``number`` falls on, in proportion along the segment."""
        span = self.to_number - self.from_number
        share = (number - self.from_number) / span if span else 0.0
        return Location(round(self.start[0] + share * (self.end[0] - self.start[0]), 6),
                        round(self.start[1] + share * (self.end[1] - self.start[1]), 6))


def _float(row: dict, name: str, where: str) -> float:
    try:
        return float(row[name])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{where}: {name} is not a number") from None


class OfflineGeocoder:
    """Geocodes from the shipped address points and street segments."""

    name = "offline"

    def __init__(self, points: list[AddressPoint], streets: dict[str, list[Segment]]) -> None:
        self.points = points
        self._by_key = {p.key: p for p in points}
        self._streets = streets

    @classmethod
    def from_files(cls, folder: str | Path) -> OfflineGeocoder:
        """Read ``address_points.csv`` and ``streets.csv`` from ``folder``."""
        folder = Path(folder)
        points = []
        with open(folder / POINTS_FILE, encoding="utf-8", newline="") as stream:
            for line, row in enumerate(csv.DictReader(stream), start=2):
                where = f"{folder / POINTS_FILE}, line {line}"
                label = f"{row['number'].strip()} {row['street'].strip()}"
                key = address_key(label)
                if not key:
                    raise ValueError(f"{where}: no address")
                points.append(AddressPoint(label, key, _float(row, "lat", where),
                                           _float(row, "long", where)))
        streets: dict[str, list[Segment]] = defaultdict(list)
        with open(folder / STREETS_FILE, encoding="utf-8", newline="") as stream:
            for line, row in enumerate(csv.DictReader(stream), start=2):
                where = f"{folder / STREETS_FILE}, line {line}"
                key = street_key(row["street"])
                if not key:
                    raise ValueError(f"{where}: no street")
                numbers = (row.get("from_number") or "", row.get("to_number") or "")
                if not all(n.strip().isdigit() for n in numbers):
                    raise ValueError(f"{where}: from_number and to_number must be whole numbers")
                streets[key].append(Segment(
                    int(numbers[0]), int(numbers[1]),
                    (_float(row, "from_lat", where), _float(row, "from_long", where)),
                    (_float(row, "to_lat", where), _float(row, "to_long", where))))
        return cls(points, dict(streets))

    @classmethod
    def shipped(cls, config) -> OfflineGeocoder:
        """Return the geocoder over the files beside the catalog (``CATALOG_PATH``'s folder)."""
        return _shipped(str(Path(config["CATALOG_PATH"]).resolve().parent))

    def geocode(self, address: str) -> Location | None:
        """Return the point of ``address`` from the files, None when they do not have it."""
        key = address_key(address)
        if not key:
            return None
        if " & " in key:
            first, second = key.split(" & ", 1)
            return self._crossing(first, second)
        number, street = split_number(key)
        if number is None:
            return None
        street = self._street(street, number) or street
        point = self._by_key.get(f"{number} {street}")
        if point is not None:
            return Location(point.lat, point.long)
        covering = [s for s in self._streets.get(street, ()) if s.covers(number)]
        return covering[0].at(number) if covering else None

    def _street(self, street: str, number: int | None = None) -> str | None:
        """Return the street's key in the files; a street without its quadrant matches the
        one quadrant that has it (or has the number)."""
        if street in self._streets:
            return street
        if street.rsplit(" ", 1)[-1] in _QUADRANTS:
            return None
        candidates = [k for k in self._streets if k.rsplit(" ", 1)[0] == street
                      and k.rsplit(" ", 1)[-1] in _QUADRANTS]
        if number is not None:
            candidates = [k for k in candidates
                          if any(s.covers(number) for s in self._streets[k])]
        return candidates[0] if len(candidates) == 1 else None

    def _crossing(self, first: str, second: str) -> Location | None:
        lines = []
        for street in (first, second):
            segments = self._streets.get(self._street(street) or street)
            if not segments:
                return None
            lines.append(MultiLineString([LineString([(s.start[1], s.start[0]),
                                                      (s.end[1], s.end[0])])
                                          for s in segments]))
        meeting = lines[0].intersection(lines[1])
        if meeting.is_empty:
            return None
        point = meeting if isinstance(meeting, Point) else meeting.representative_point()
        return Location(round(point.y, 6), round(point.x, 6))


_cache: dict[str, OfflineGeocoder] = {}


def _shipped(folder: str) -> OfflineGeocoder:
    """Return the geocoder of ``folder``, read once per process."""
    if folder not in _cache:
        _cache[folder] = OfflineGeocoder.from_files(folder)
    return _cache[folder]
