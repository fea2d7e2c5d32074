"""Deadlines for every outbound call: the send pool and HTTP calls with an overall limit.

A provider that accepts a connection and never answers (a Twilio brown-out)
must cost a bounded wait, never a request thread for good. So:

- every send runs in the app's own pool (``SEND_POOL_SIZE`` threads, apart
  from gunicorn's request threads) under one overall deadline
  (``SEND_DEADLINE_SECONDS``) for all its parts (``run_send``);
- each provider call inside it gets a connect and a read timeout clipped to
  what is left of that deadline (``call_timeouts``), so a worker is free again
  by the time its caller gives up, and a later part is not started at all;
- when the caller gives up it cancels the future (a send still waiting for a
  worker never starts) and marks it abandoned, so the retry that follows is
  the only copy that goes out.

``timed_request`` is the same rule for plain HTTP calls (case store, Messenger,
Rasa): a connect timeout, a read timeout per socket read, and an overall
deadline checked while the body arrives.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextvars
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
import urllib3
from flask import Flask

from channels.errors import SendError

T = TypeVar("T")

# What the waiting caller allows beyond the deadline for a worker to report a
# call that finished just in time (its own timeouts end at the deadline).
_GRACE_SECONDS = 1.0
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "send_deadline", default=None)


def make_send_pool(size: int) -> cf.ThreadPoolExecutor:
    """The bounded pool every outbound send runs in."""
    return cf.ThreadPoolExecutor(max_workers=max(size, 1), thread_name_prefix="send")


def remaining() -> float | None:
    """Seconds left of the running send's deadline (None outside a send)."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def call_timeouts(connect: float, read: float) -> tuple[float, float]:
    """(connect, read) timeouts for one provider call, clipped to the send's deadline.

    Raises SendError when the deadline has already passed: a later part of a
    send that ran out of time is not started.
    """
    left = remaining()
    if left is None:
        return connect, read
    if left <= 0:
        raise SendError("send deadline passed")
    return min(connect, left), min(read, left)


def run_send(app: Flask, send: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``send(*args, **kwargs)`` in the send pool under SEND_DEADLINE_SECONDS.

    Raises SendError (not permanent) when the deadline passes; the send is then
    cancelled if it has not started, and stops before its next call if it has.
    """
    pool: cf.ThreadPoolExecutor = app.extensions["channels"]["send_pool"]
    seconds = float(app.config["SEND_DEADLINE_SECONDS"])
    deadline = time.monotonic() + seconds
    abandoned = threading.Event()

    def job() -> T:
        if abandoned.is_set():
            raise SendError("send abandoned before it started")
        token = _deadline.set(deadline)
        try:
            return send(*args, **kwargs)
        finally:
            _deadline.reset(token)

    future = pool.submit(job)
    try:
        return future.result(timeout=seconds + _GRACE_SECONDS)
    # On Python 3.10 Future.result raises concurrent.futures.TimeoutError, which
    # is not the builtin TimeoutError (they are one class from 3.11 on).
    except (TimeoutError, cf.TimeoutError) as exc:
        abandoned.set()
        future.cancel()
        raise SendError("send timed out") from exc


def timed_request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    connect: float,
    read: float,
    deadline: float,
    **kwargs: Any,
) -> requests.Response:
    """``session.request`` with a connect and read timeout and an overall ``deadline``.

    The body is read in chunks and the deadline checked between them, so a
    server that trickles its answer cannot hold the caller longer than
    ``deadline`` (plus one read timeout at most). Raises ``requests.Timeout``.
    """
    until = time.monotonic() + deadline
    response = session.request(method, url, timeout=(connect, read), stream=True, **kwargs)
    try:
        chunks = []
        # read1: at most one socket read each (a plain read(n) waits for all n bytes).
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            chunks.append(chunk)
            if time.monotonic() > until:
                raise requests.Timeout(f"no complete answer within {deadline} s")
        response._content = b"".join(chunks)  # noqa: SLF001 - what .content would have read
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.ReadTimeout(str(exc)) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise requests.ConnectionError(str(exc)) from exc
    finally:
        response.close()
    return response
