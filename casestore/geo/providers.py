"""The providers chosen by ``GEOCODER`` (the interface they share is base.py).

The geocode job (job.py) is the only caller: providers are asked off the
request path, never while a report is filed. Nominatim and ArcGIS come from
geopy; the US Census geocoder (not in geopy) is census.py; ``offline`` reads
the address files shipped in ``config/`` (offline.py).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from geopy.exc import GeocoderServiceError, GeopyError
from geopy.geocoders import ArcGIS, Nominatim
from geopy.geocoders.base import DEFAULT_SENTINEL

from .base import (
    TIMEOUT_SECONDS,
    Geocoder,
    GeocoderSettingError,
    GeocoderUnavailableError,
    Location,
)
from .census import CensusGeocoder
from .offline import OfflineGeocoder

PROVIDERS = ("none", "offline", "nominatim", "arcgis", "census")


class GeopyGeocoder:
    """A geopy geocoder behind our interface."""

    def __init__(self, name: str, geocoder) -> None:
        self.name = name
        self._geocoder = geocoder

    def geocode(self, address: str) -> Location | None:
        """Ask geopy for one result (see ``Geocoder.geocode``)."""
        try:
            found = self._geocoder.geocode(address, exactly_one=True)
        except (GeocoderServiceError, GeopyError) as exc:
            raise GeocoderUnavailableError(type(exc).__name__) from exc
        if found is None:
            return None
        return Location(float(found.latitude), float(found.longitude))


class _ArcGISWithKey(ArcGIS):
    """geopy's ArcGIS with an API key sent as ``token`` (geopy itself takes an account)."""

    def __init__(self, api_key: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._api_key = api_key

    def _authenticated_call_geocoder(self, url, parse_callback, *, timeout=DEFAULT_SENTINEL):
        url = f"{url}&{urlencode({'token': self._api_key})}"
        return self._call_geocoder(url, parse_callback, timeout=timeout)


def _domain(url: str | None) -> dict:
    """Return geopy's ``scheme``/``domain`` arguments for a base URL (none when unset)."""
    if not url:
        return {}
    parts = urlsplit(url)
    return {"scheme": parts.scheme or "https", "domain": (parts.netloc + parts.path).strip("/")}


def make_geocoder(config, city_short_name: str = "311") -> Geocoder | None:
    """Return the provider ``config["GEOCODER"]`` names (None for ``none``).

    ``config`` is the app's settings (casestore/config.py); raises
    ``GeocoderSettingError`` on an unknown provider.
    """
    choice = (config.get("GEOCODER") or "none").strip().lower()
    agent = config.get("GEOCODER_USER_AGENT") or f"{city_short_name} case store"
    url, key = config.get("GEOCODER_URL"), config.get("GEOCODER_API_KEY")
    if choice == "none":
        return None
    if choice == "offline":
        return OfflineGeocoder.shipped(config)
    if choice == "nominatim":
        return GeopyGeocoder("nominatim", Nominatim(user_agent=agent, timeout=TIMEOUT_SECONDS,
                                                    **_domain(url)))
    if choice == "arcgis":
        options = {"user_agent": agent, "timeout": TIMEOUT_SECONDS, **_domain(url)}
        arcgis = _ArcGISWithKey(key, **options) if key else ArcGIS(**options)
        return GeopyGeocoder("arcgis", arcgis)
    if choice == "census":
        return CensusGeocoder(url, agent)
    raise GeocoderSettingError(f"GEOCODER must be one of {', '.join(PROVIDERS)}, not {choice!r}")
