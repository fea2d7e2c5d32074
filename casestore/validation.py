"""Checking a new case's fields before anything is written.

Each check adds ``{field: problem}`` to a ``Problems`` collection; wrong JSON
types are told apart from bad values so the API can answer 400 or 422.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .catalog import Attribute, Catalog, Service
from .errors import ValidationError
from .media.photos import MEDIA_REF_PATTERN
from .models import CHANNELS, LOCATION_SOURCES

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 300
MAX_ATTRIBUTE_TEXT = 2000
MAX_MEDIA = 10
MAX_URL = 2000
# A resident's address on a channel, "<channel>:<their id there>" (sms:+14045550123,
# telegram:12345, webchat:<session>): defined here once for the case store; the
# OpenAPI document's ChannelAddress and ChatAddress schemas carry these patterns.
CHANNEL_ADDRESS_PATTERN = r"^[a-z_]{2,20}:\S{1,180}$"
# A live chat runs on these channels only, and its sender id is the Rasa sender id.
CHAT_CHANNELS = ("webchat", "sms", "whatsapp", "telegram", "messenger")
CHAT_ADDRESS_PATTERN = rf"^({'|'.join(CHAT_CHANNELS)}):[A-Za-z0-9_+-]{{1,120}}$"
# Channels whose address is the resident's phone number in E.164.
PHONE_CHANNELS = ("sms", "whatsapp", "voice")
_CHANNEL_ADDRESS = re.compile(CHANNEL_ADDRESS_PATTERN)
_CHAT_ADDRESS = re.compile(CHAT_ADDRESS_PATTERN)


class Problems:
    """Field problems collected during validation."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.malformed = False

    def add(self, field: str, problem: str, *, wrong_type: bool = False) -> None:
        """Record a problem with ``field`` (the first one per field wins)."""
        self.fields.setdefault(field, problem)
        self.malformed = self.malformed or wrong_type

    def wrong_type(self, field: str, expected: str) -> None:
        """Record that ``field`` has the wrong JSON type."""
        self.add(field, f"must be {expected}", wrong_type=True)

    def raise_if_any(self) -> None:
        """Raise ``ValidationError`` (400 when a type was wrong, else 422) if anything failed."""
        if self.fields:
            raise ValidationError(self.fields, malformed=self.malformed)


def text(problems: Problems, data: dict, field: str, max_len: int, *, required: bool = False,
         label: str | None = None) -> str | None:
    """Return a stripped string field, recording missing/wrong-type/too-long problems."""
    name = label or field
    value = data.get(field)
    if value is None or value == "":
        if required:
            problems.add(name, "is required")
        return None
    if not isinstance(value, str):
        problems.wrong_type(name, "a string")
        return None
    value = value.strip()
    if len(value) > max_len:
        problems.add(name, f"must be at most {max_len:,} characters")
        return None
    if required and not value:
        problems.add(name, "is required")
    return value or None


def number(problems: Problems, data: dict, field: str) -> float | None:
    """Return a numeric field (JSON number, or a numeric string as forms send)."""
    value = data.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        problems.wrong_type(field, "a number")
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            problems.wrong_type(field, "a number")
            return None
    if not isinstance(value, (int, float)) or value != value:  # NaN
        problems.wrong_type(field, "a number")
        return None
    return float(value)


def channel(problems: Problems, data: dict) -> str | None:
    """Return the intake channel, which must be one of ``models.CHANNELS``."""
    value = text(problems, data, "channel", 32, required=True)
    if value is not None and value not in CHANNELS:
        problems.add("channel", f"must be one of {', '.join(CHANNELS)}")
        return None
    return value


def location(problems: Problems, data: dict, catalog: Catalog):
    """Return (address, lat, long); an address or both coordinates are required."""
    address = text(problems, data, "address", MAX_ADDRESS)
    lat, long = number(problems, data, "lat"), number(problems, data, "long")
    if (lat is None) != (long is None):
        problems.add("lat" if lat is None else "long", "lat and long go together")
    elif lat is not None:
        if not (-90 <= lat <= 90 and -180 <= long <= 180):
            problems.add("lat", "is not a coordinate")
        elif not catalog.city.contains(lat, long):
            problems.add("lat", f"is outside {catalog.city.name}")
    if address is None and lat is None and "lat" not in problems.fields and "address" not in \
            problems.fields:
        problems.add("address", "an address or lat and long is required")
    return address, lat, long


# Sources a caller may name; "geocoder" is the geocode job's alone (casestore/geo/job.py).
GIVEN_LOCATION_SOURCES = tuple(s for s in LOCATION_SOURCES if s != "geocoder")
# Channels whose coordinates are a location the resident shared in the conversation.
_CHAT_CHANNELS = ("webchat", "sms", "whatsapp", "telegram", "messenger", "live_chat")


def location_source(problems: Problems, data: dict, lat: float | None,
                    channel: str | None) -> str | None:
    """Return where the coordinates came from (``cases.location_source``; None without them).

    Unnamed: ``open311`` for Open311 clients, ``channel`` for a location shared in a
    chat channel, else unknown (None).
    """
    value = text(problems, data, "location_source", 20)
    if value is not None and value not in GIVEN_LOCATION_SOURCES:
        problems.add("location_source", f"must be one of {', '.join(GIVEN_LOCATION_SOURCES)}")
        return None
    if lat is None:
        return None
    if value is not None:
        return value
    if channel == "open311":
        return "open311"
    return "channel" if channel in _CHAT_CHANNELS else None


def media_urls(problems: Problems, value: Any, field: str = "media_urls") -> list[str]:
    """Return a list of http(s) URLs and ``media:<token>`` references to stored photos.

    A URL is kept as a private link and never fetched; whether each reference names
    a photo the caller may attach is ``casestore.media.check_attachable``'s check.
    """
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        problems.wrong_type(field, "a list of URLs")
        return []
    if len(value) > MAX_MEDIA:
        problems.add(field, f"at most {MAX_MEDIA} media URLs")
        return []
    for url in value:
        if re.match(MEDIA_REF_PATTERN, url):
            continue
        if len(url) > MAX_URL or not re.match(r"^https?://[^\s/]+\S*$", url):
            problems.add(field, "each must be an http(s) URL or a media:<id> reference")
            return []
    return list(value)


def email(problems: Problems, value: Any, field: str) -> str | None:
    """Return a normalised email address."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.wrong_type(field, "a string")
        return None
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        problems.add(field, "is not a valid email address")
        return None


def phone(problems: Problems, value: Any, field: str) -> str | None:
    """Return a phone number in E.164 (US numbers may be written without +1)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        problems.wrong_type(field, "a string")
        return None
    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        problems.add(field, "is not a valid phone number")
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def channel_address(problems: Problems, value: Any, field: str) -> str | None:
    """Return a channel address such as ``sms:+14045550123`` or ``telegram:12345``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.wrong_type(field, "a string")
        return None
    if not _CHANNEL_ADDRESS.match(value.strip()):
        problems.add(field, "must look like 'sms:+14045550123'")
        return None
    return value.strip()


def is_chat_address(value: str) -> bool:
    """True when ``value`` is a live chat sender id (``CHAT_ADDRESS_PATTERN``)."""
    return bool(_CHAT_ADDRESS.match(value))


def split_channel_address(address: str | None) -> tuple[str, str] | None:
    """Return (channel, id) of a channel address (``sms:+1404...`` -> ``("sms", "+1404...")``)."""
    if not address or ":" not in address:
        return None
    channel, ident = address.split(":", 1)
    return channel, ident


def phone_of(address: str | None) -> str | None:
    """Return the E.164 number of a phone channel's address (sms, whatsapp, voice), else None."""
    parts = split_channel_address(address)
    if parts is None:
        return None
    channel, ident = parts
    return ident if channel in PHONE_CHANNELS and ident.startswith("+") else None


def contact(problems: Problems, value: Any, prefix: str) -> dict[str, str | None]:
    """Return name/email/phone/channel_address of a requester or follower object."""
    empty = {"name": None, "email": None, "phone": None, "channel_address": None}
    if value is None:
        return empty
    if not isinstance(value, dict):
        problems.wrong_type(prefix, "an object")
        return empty
    return {
        "name": text(problems, value, "name", 200, label=f"{prefix}.name"),
        "email": email(problems, value.get("email"), f"{prefix}.email"),
        "phone": phone(problems, value.get("phone"), f"{prefix}.phone"),
        "channel_address": channel_address(
            problems, value.get("channel_address"), f"{prefix}.channel_address"
        ),
    }


def _attribute_value(problems: Problems, attr: Attribute, value: Any, field: str):
    if attr.datatype in ("string", "text"):
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            problems.wrong_type(field, "text")
            return None
        value = str(value).strip()
        if len(value) > MAX_ATTRIBUTE_TEXT:
            problems.add(field, f"must be at most {MAX_ATTRIBUTE_TEXT} characters")
        return value
    if attr.datatype == "number":
        return number(problems, {field: value}, field)
    if attr.datatype == "datetime":
        try:
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            problems.add(field, "must be an ISO 8601 date and time")
            return None
        return parsed.isoformat()
    keys = attr.value_keys()
    if attr.datatype == "singlevaluelist":
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str) or value not in keys:
            problems.add(field, f"must be one of {', '.join(sorted(keys))}")
            return None
        return value
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v in keys for v in values):
        problems.add(field, f"each must be one of {', '.join(sorted(keys))}")
        return None
    return list(dict.fromkeys(values))


def attributes(problems: Problems, service: Service, value: Any) -> dict:
    """Return the attribute answers checked against the service's definitions."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.wrong_type("attributes", "an object")
        return {}
    result: dict = {}
    for code, answer in value.items():
        attr = service.attribute(code)
        if attr is None:
            problems.add(f"attributes.{code}", f"is not a detail of {service.code}")
            continue
        if answer is None or answer == "" or answer == []:
            continue
        checked = _attribute_value(problems, attr, answer, f"attributes.{code}")
        if checked is not None:
            result[code] = checked
    for attr in service.attributes:
        if attr.required and attr.code not in result and f"attributes.{attr.code}" not in \
                problems.fields:
            problems.add(f"attributes.{attr.code}", "is required")
    return result
