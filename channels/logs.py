"""The channels apps' logging: one JSON object per line on stderr (or key=value text).

Every module logs through the standard library (``logging.getLogger(__name__)``);
one handler on the root logger renders each record, the libraries' too
(werkzeug, SQLAlchemy, twilio, python-telegram-bot), with the same fields:
``timestamp``, ``level``, ``logger``, ``event`` (the message) and any
``extra=`` fields. ``LOG_FORMAT=text`` (channels/settings.py) writes the same
fields as key=value for reading in a terminal. The case store's casestore/logs.py
renders the same shape (the folders share no code).

No resident's words, phone, email or name goes into a log line.
"""

from __future__ import annotations

import logging
import sys

import structlog

FORMATS = ("json", "text")

# The fields every line starts with, in this order, whatever produced it.
_SHARED = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _drop_formatted_copies(_logger: object, _name: str, event: dict) -> dict:
    """Drop ``message``/``asctime``: another handler's formatter (pytest's) may have set them
    on the record, and ExtraAdder would take them for fields. No ``extra`` may use them."""
    event.pop("message", None)
    event.pop("asctime", None)
    return event


def _renderer(fmt: str) -> structlog.typing.Processor:
    if fmt == "text":
        return structlog.processors.KeyValueRenderer(
            key_order=["timestamp", "level", "logger", "event"], drop_missing=True)
    return structlog.processors.JSONRenderer()


def formatter(fmt: str = "json") -> logging.Formatter:
    """Return the formatter of every line: JSON (``fmt="json"``) or key=value (``"text"``)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder(), _drop_formatted_copies],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(fmt),
        ],
    )


def configure_logging(level: int = logging.INFO, fmt: str = "json") -> None:
    """Send every log record of the process to stderr as ``fmt`` (``json`` or ``text``).

    Safe to call again (each app a test makes calls it): the handler installed
    before is replaced, and handlers others put on the root logger (pytest's
    capture) are left alone.
    """
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_atl311", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler._atl311 = True  # type: ignore[attr-defined] - marks the handler this module owns
    root.addHandler(handler)
    # INFO on the root, as the basicConfig this replaces had it.
    root.setLevel(level)
