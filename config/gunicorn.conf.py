"""gunicorn settings shared by the case store and the channels app (``--config`` in the Procfile).

What every gunicorn of the Procfile needs; everything else stays on its command line:

- its workers stop with their master (``post_fork``), so supervisord restarts it cleanly;
- metrics summed over its workers: ``on_starting`` gives this gunicorn a fresh
  ``PROMETHEUS_MULTIPROC_DIR`` of its own (the case store's, the channels'
  and the internal app's must not mix) before any worker starts, ``child_exit``
  tells prometheus_client a worker is gone, ``on_exit`` removes the folder;
- its own log lines as JSON like the apps' (``LOG_FORMAT``, default json):
  the error log, and an access log of method, path without the query string
  (it can carry personal data), status, bytes and milliseconds. With
  ``LOG_FORMAT=text`` the access log keeps ``--access-logformat``.

Nothing here imports prometheus_client: the workers must import it only after
PROMETHEUS_MULTIPROC_DIR is set, or they would count in their own memory.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import structlog
from gunicorn import glogging

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_METRICS_PREFIX = "atl311-metrics-"
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower() or "json"


def _drop_formatted_copies(_logger: object, _name: str, event: dict) -> dict:
    # Set on the record by any formatter that saw it first; never an ``extra`` field.
    event.pop("message", None)
    event.pop("asctime", None)
    return event


def _json_formatter() -> logging.Formatter:
    """The apps' JSON line (casestore/logs.py, channels/logs.py): timestamp, level, logger,
    event, and the record's ``extra`` fields."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ExtraAdder(),
            _drop_formatted_copies,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )


class JsonLogger(glogging.Logger):
    """gunicorn's logger with JSON lines; the access line never holds the query string."""

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up as usual, then give them the JSON formatter."""
        super().setup(cfg)
        if LOG_FORMAT == "text":
            return
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(_json_formatter())

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        """One access line: who, method, path (no query), protocol, status, bytes, ms."""
        if LOG_FORMAT == "text":
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log.handlers:  # no --access-logfile: no access log
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        self.access_log.info("request", extra={
            "remote_addr": environ.get("REMOTE_ADDR", "-"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "protocol": environ.get("SERVER_PROTOCOL"),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": request_time.seconds * 1000 + request_time.microseconds // 1000,
        })


logger_class = JsonLogger


def _master_alive(folder: Path) -> bool:
    found = re.search(r"-(\d+)-[^-]*$", folder.name)
    if not found:
        return False
    try:
        os.kill(int(found.group(1)), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def on_starting(server: Any) -> None:
    """Give this gunicorn a fresh metrics folder before its workers start.

    One per master (its pid in the name): the case store, the channels app and
    the internal app each sum only their own workers, and a restarted master
    starts from zero, as a single process would. Folders of masters that died
    without ``on_exit`` (SIGKILL) are removed here.
    """
    base = Path(tempfile.gettempdir())
    for old in base.glob(f"{_METRICS_PREFIX}*"):
        if old.is_dir() and not _master_alive(old):
            shutil.rmtree(old, ignore_errors=True)
    name = re.sub(r"[^A-Za-z0-9_]+", "_", str(server.proc_name)).strip("_") or "app"
    folder = tempfile.mkdtemp(prefix=f"{_METRICS_PREFIX}{name}-{os.getpid()}-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def child_exit(server: Any, worker: Any) -> None:
    """Tell prometheus_client a worker is gone (its live gauges stop counting)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """Remove this gunicorn's metrics folder."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if Path(folder).name.startswith(_METRICS_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


def post_fork(server: Any, worker: Any) -> None:
    """Make the kernel stop this worker when its master dies.

    A master killed with SIGKILL (a crash, the OOM killer) leaves its workers
    serving on the old listening socket, beside the restarted master's, until
    they notice up to ``timeout`` seconds later and drop the connections queued
    to them. With the parent-death signal they stop with their master, and the
    restarted one is the only one listening. SIGKILL, not SIGTERM: a graceful
    stop keeps the socket open (accepting nothing) while requests finish, and
    the restarted master cannot bind its port meanwhile; what a request in
    flight had received is in the durable inbox, and the retry worker answers it.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        server.log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    if os.getppid() != server.pid:  # the master died before the signal was armed
        os._exit(1)
