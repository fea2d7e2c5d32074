"""How pages name where a case's coordinates came from (``cases.location_source``)."""

from __future__ import annotations

from flask_babel import gettext

from ..i18n import N_

LOCATION_SOURCE_LABELS = {
    "resident_pin": N_("pin placed by the resident"),
    "device": N_("the resident's device location"),
    "geocoder": N_("from the geocoder (the typed address)"),
    "open311": N_("given by the Open311 app"),
    "channel": N_("location shared in the conversation"),
}


def location_source_label(source: str | None) -> str:
    """Return the page's words for ``source``, in the page's language (``not recorded`` for
    cases filed before sources were kept)."""
    label = LOCATION_SOURCE_LABELS.get(source or "")
    return gettext(label) if label else gettext("not recorded")
