"""The US Census Bureau's geocoder (one-line address), which geopy does not cover.

``GET {base}/geocoder/locations/onelineaddress?address=...&benchmark=Public_AR_Current
&format=json``; the first of ``result.addressMatches`` gives ``coordinates.x``
(longitude) and ``.y`` (latitude). Free, keyless, US addresses only.
"""

from __future__ import annotations

import requests

from .base import TIMEOUT_SECONDS, GeocoderUnavailableError, Location

CENSUS_URL = "https://geocoding.geo.census.gov"
BENCHMARK = "Public_AR_Current"


class CensusGeocoder:
    """The Census one-line address geocoder behind our interface."""

    name = "census"

    def __init__(self, base_url: str | None = None, user_agent: str = "311 case store") -> None:
        self._url = (base_url or CENSUS_URL).rstrip("/") + "/geocoder/locations/onelineaddress"
        self._user_agent = user_agent

    def geocode(self, address: str) -> Location | None:
        """Return the first match's point, None when the Census finds no match."""
        params = {"address": address, "benchmark": BENCHMARK, "format": "json"}
        try:
            response = requests.get(self._url, params=params, timeout=TIMEOUT_SECONDS,
                                    headers={"User-Agent": self._user_agent})
        except requests.RequestException as exc:
            raise GeocoderUnavailableError(type(exc).__name__) from exc
        if response.status_code != 200:
            raise GeocoderUnavailableError(f"HTTP {response.status_code}")
        try:
            matches = response.json()["result"]["addressMatches"]
            if not matches:
                return None
            point = matches[0]["coordinates"]
            return Location(float(point["y"]), float(point["x"]))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise GeocoderUnavailableError("unexpected answer") from exc
