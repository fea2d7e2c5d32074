"""The geocoder interface every provider offers, and what it answers with.

A provider turns one typed address into a point, or says it found none.
providers.py chooses one by ``GEOCODER``; job.py is the only caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

TIMEOUT_SECONDS = 10


class GeocoderUnavailableError(Exception):
    """The provider could not answer now (network, quota, server error): ask again later.

    Never cached, unlike a "not found".
    """


class GeocoderSettingError(ValueError):
    """``GEOCODER`` names no provider, or the provider lacks a setting it needs."""


@dataclass(frozen=True)
class Location:
    """A point a geocoder found for an address."""

    lat: float
    long: float


class Geocoder(Protocol):
    """What every provider offers. ``name`` keys the cache, so it is stable."""

    name: str

    def geocode(self, address: str) -> Location | None:
        """Return the point of ``address``, None when the provider finds none.

        Raises ``GeocoderUnavailableError`` when it cannot answer now.
        """
