"""The assistant's logging: one JSON object per line on stderr (or key=value text).

Used by both processes of the assistant: the action server
(``bot.actions.serve``) and the Rasa server (``bot.serve_rasa``). One handler
on the root logger renders every record, the libraries' too (rasa, rasa_sdk,
sanic, SQLAlchemy, Python warnings), with the shape the case store and the
channels write: ``timestamp``, ``level``, ``logger``, ``event`` and the
event's fields (Rasa's own structlog events keep their ``event_info`` and
the rest as fields). ``LOG_FORMAT=text`` writes the same fields as key=value.

Rasa 3.6 sets up its own logging when it starts (coloredlogs on the root
logger, structlog printing JSON strings through it, and Sanic's handlers
with their own text format); ``rasa_logging()`` puts this set-up in its
place before Rasa's CLI runs, and ``python -m bot.logs <rasa arguments>``
(what bot/serve_rasa.py execs) does both. Nothing here changes what is logged: at INFO
no resident text or contact detail is.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

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


def configure_structlog(level: int, before: list[Any] | None = None) -> None:
    """Send structlog events through the standard library, so the root handler renders them.

    ``before``: processors to run first (Rasa's anonymizer).
    """
    structlog.configure(
        processors=[
            *(before or []),
            structlog.stdlib.filter_by_level,
            structlog.contextvars.merge_contextvars,
            *_SHARED,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.dev.set_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        context_class=dict,
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )


def configure_logging(level: int | str = logging.INFO, fmt: str = "json") -> None:
    """Send every log record of the process to stderr as ``fmt`` (``json`` or ``text``).

    Safe to call again: the handler installed before is replaced; handlers
    others put on the root logger (pytest's capture) are left alone.
    """
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_atl311", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler._atl311 = True  # type: ignore[attr-defined] - marks the handler this module owns
    root.addHandler(handler)
    root.setLevel(numeric)
    # Python warnings (Rasa raises many at start) become records too, not bare stderr text.
    logging.captureWarnings(True)
    configure_structlog(numeric)


def _sanic_defaults_through(fmt: str) -> None:
    """Sanic apps built with its default logging (Rasa's) write through our formatter, to stderr."""
    from sanic.log import LOGGING_CONFIG_DEFAULTS

    # Mutated in place: sanic.app holds this very dict and applies it per app.
    LOGGING_CONFIG_DEFAULTS["formatters"] = {
        "generic": {"()": lambda: formatter(fmt)},
        "access": {"()": lambda: formatter(fmt)},
    }
    for handler in LOGGING_CONFIG_DEFAULTS["handlers"].values():
        handler["stream"] = "ext://sys.stderr"


def rasa_logging(fmt: str = "json") -> None:
    """Put this module's logging in place of the one Rasa 3.6's CLI sets up.

    Call before ``rasa.__main__.main()``: Rasa's ``configure_colored_logging``
    (coloredlogs on the root logger) does nothing, its ``configure_structlog``
    keeps Rasa's anonymizer but renders through the root handler, and Sanic's
    default handlers use the same formatter. ``LOG_LEVEL`` (Rasa's variable,
    default INFO) is the root level, as coloredlogs would have set it.
    """
    level = os.environ.get("LOG_LEVEL", "INFO")
    # First, so the warnings Rasa's imports raise come out as records too.
    configure_logging(level, fmt)
    import rasa.__main__
    import rasa.utils.io
    from rasa.utils import log_utils

    _sanic_defaults_through(fmt)

    def no_colored_logging(loglevel: Any = None) -> None:
        logging.getLogger().setLevel(loglevel or level)

    def rasa_structlog(log_level: int | None = None) -> None:
        numeric = log_level if log_level is not None else logging.getLevelName(level.upper())
        configure_structlog(numeric, before=[log_utils._anonymizer])  # noqa: SLF001

    rasa.utils.io.configure_colored_logging = no_colored_logging
    rasa.__main__.configure_structlog = rasa_structlog


def run_rasa(arguments: list[str]) -> None:
    """Run Rasa's CLI with ``arguments`` (``run --enable-api …``) and this module's logging."""
    fmt = os.environ.get("LOG_FORMAT", "json").strip().lower() or "json"
    rasa_logging(fmt)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    sys.exit(rasa_main())


if __name__ == "__main__":
    run_rasa(sys.argv[1:])
