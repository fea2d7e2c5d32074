"""The geocode job: coordinates for cases filed with a typed address only.

Filing a case never calls a geocoder (a slow or absent provider must not hold
up a report). The notifier runs ``geocode_chore`` after each pass over the
outbox (cli.py's ``notifier``): it takes up to ``BATCH`` cases with an address,
no coordinates and no earlier look-up (``ix_cases_geocode_pending``), asks the
provider ``GEOCODER`` names about each address it has not asked before, and
keeps every answer, found or not, in ``geocode_cache`` (keyed by provider and
``keys.address_key``), so an address is asked once. A point outside the city
limits is kept in the cache but not put on the case (a namesake street in
another town). A provider that cannot answer now ends the pass; its cases are
asked again on the next one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..catalog import City, get_catalog
from ..db import chore_pass
from ..logs import get_logger
from ..models import Case, GeocodeCache, utcnow
from .base import Geocoder, GeocoderUnavailableError
from .keys import address_key
from .providers import make_geocoder

log = get_logger("casestore.geo")

BATCH = 50


@dataclass
class GeocodeRun:
    """What one pass did: addresses asked of the provider, cases given coordinates, cases
    left without (not found, outside the city, or no usable address)."""

    asked: int = 0
    located: int = 0
    unlocated: int = 0
    unavailable: bool = False


def provider_query(address: str, city: City) -> str:
    """Return what the provider is asked: the address with the city and state added
    (residents leave them out), unless a part after a comma names the city already
    ("412 Boulevard SE, Atlanta"; "100 Atlanta Ave SE" still gets them)."""
    if re.search(rf",\s*{re.escape(city.name)}\b", address, re.IGNORECASE):
        return address
    return f"{address}, {city.name}, {city.state}"


def _cached_answer(session: Session, provider: str, key: str) -> GeocodeCache | None:
    return session.execute(select(GeocodeCache).where(
        GeocodeCache.provider == provider, GeocodeCache.address_key == key)).scalar_one_or_none()


def _ask(session: Session, geocoder: Geocoder, key: str, address: str, city: City,
         run: GeocodeRun) -> GeocodeCache:
    """Return the cached answer for ``key``, asking the provider when there is none."""
    cached = _cached_answer(session, geocoder.name, key)
    if cached is not None:
        return cached
    found = geocoder.geocode(provider_query(address, city))
    run.asked += 1
    row = GeocodeCache(provider=geocoder.name, address_key=key, found=found is not None,
                       lat=found.lat if found else None, long=found.long if found else None)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another notifier asked at the same time: its answer is as good as ours.
        return _cached_answer(session, geocoder.name, key)
    return row


def geocode_pending(session: Session, geocoder: Geocoder, city: City, *, limit: int = BATCH,
                    now: dt.datetime | None = None) -> GeocodeRun:
    """Look up the addresses of up to ``limit`` cases waiting for coordinates.

    Commits after each case, so what was learnt stays even if a later one fails.
    """
    run = GeocodeRun()
    moment = now or utcnow()
    ids = session.execute(select(Case.id, Case.address).where(
        Case.lat.is_(None), Case.geocoded_at.is_(None), Case.address.is_not(None))
        .order_by(Case.id).limit(limit)).all()
    for case_id, address in ids:
        key = address_key(address)
        try:
            answer = _ask(session, geocoder, key, address, city, run) if key else None
        except GeocoderUnavailableError as exc:
            session.rollback()
            run.unavailable = True
            log.warning("geocoder_unavailable", provider=geocoder.name, reason=str(exc))
            break
        values: dict = {"geocoded_at": moment}
        if answer is not None and answer.found and city.contains(answer.lat, answer.long):
            values.update(lat=answer.lat, long=answer.long, location_source="geocoder")
            run.located += 1
        else:
            run.unlocated += 1
        # Only while still without coordinates: a pin placed meanwhile wins.
        session.execute(update(Case).where(Case.id == case_id, Case.lat.is_(None))
                        .values(**values))
        session.commit()
    if ids:
        log.info("geocode_pass", provider=geocoder.name, asked=run.asked, located=run.located,
                 unlocated=run.unlocated)
    return run


def geocode_chore() -> int:
    """The notifier's chore: one pass with the configured provider; return cases located.

    Needs an app context. ``GEOCODER=none`` makes it do nothing.
    """
    catalog = get_catalog()
    geocoder = make_geocoder(current_app.config, catalog.city.short_name)
    if geocoder is None:
        return 0
    return chore_pass(
        lambda session: geocode_pending(session, geocoder, catalog.city).located,
        lambda exc: log.error("geocode_pass_failed", error=type(exc).__name__))

