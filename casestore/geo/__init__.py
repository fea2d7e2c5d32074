"""Places: the geocoder behind its interface, the geocode job, suggestions, the city limits.

- ``make_geocoder`` (providers.py): the provider ``GEOCODER`` names (none,
  offline, nominatim, arcgis, census), each a ``Geocoder`` (base.py).
- ``geocode_pending`` / ``geocode_chore`` (job.py): coordinates for cases filed
  with a typed address, off the request path, with a cache.
- ``suggest`` and ``inside_city`` (places.py): for the web form and
  ``/api/v1/places/*``, from the City's own files only.

docs/casestore.md, "Places", describes the settings and the shipped files.
"""

from .base import Geocoder, GeocoderSettingError, GeocoderUnavailableError, Location
from .job import GeocodeRun, geocode_chore, geocode_pending
from .offline import OfflineGeocoder
from .places import Suggestion, inside_city, suggest
from .providers import make_geocoder

__all__ = [
    "GeocodeRun", "Geocoder", "GeocoderSettingError", "GeocoderUnavailableError", "Location",
    "OfflineGeocoder", "Suggestion", "geocode_chore", "geocode_pending", "inside_city",
    "make_geocoder", "suggest",
]
