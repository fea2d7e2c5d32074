"""One logging set-up: one JSON object per line on stderr (or key=value text).

structlog events (``get_logger``) and standard-library records (werkzeug,
gunicorn's error log when it propagates, SQLAlchemy, Flask) go through the
same handler on the root logger, so every line of the process has the same
shape: ``timestamp``, ``level``, ``logger``, ``event`` and the event's fields.
``LOG_FORMAT=text`` (the settings table) writes the same fields as key=value
for reading in a terminal.

Log events name cases by number and staff by id; requester names, emails,
phones and descriptions never go into a log line.
"""

from __future__ import annotations

import logging
import sys

import structlog

FORMATS = ("json", "text")

_structlog_configured = False

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
    global _structlog_configured
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not _structlog_configured:
        # Once per process: loggers cache their processors on first use.
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                *_SHARED,
                structlog.processors.StackInfoRenderer(),
                structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
            ],
            wrapper_class=structlog.make_filtering_bound_logger(level),
            logger_factory=structlog.stdlib.LoggerFactory(),
            cache_logger_on_first_use=True,
        )
        _structlog_configured = True
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_atl311", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler._atl311 = True  # type: ignore[attr-defined] - marks the handler this module owns
    root.addHandler(handler)
    # The app's own events at ``level``; libraries keep the root's level (WARNING unless
    # someone chose otherwise), as before, so nothing more is logged than was.
    logging.getLogger("casestore").setLevel(level)


def get_logger(name: str):
    """Return a structlog logger writing through the standard-library logger ``name``."""
    return structlog.get_logger(name)
