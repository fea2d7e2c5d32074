"""One rate limiter (Flask-Limiter) for the API, Open311 and the pages; and the proxy set-up.

Views declare their limits with :func:`rate_limited`; :func:`init_limits`,
called by the app factory once every blueprint is registered, gives each app
its own ``Limiter`` (apps built in one process, as in tests, never share
counters) and wraps the declared views with it.

- Keys: the client's address (``request.remote_addr`` once ``ProxyFix`` has
  taken the configured number of trusted hops off ``X-Forwarded-For``), or,
  for forms that email someone, the address the form names (a hash of it).
- Scopes: views that name the same scope share one bucket per client, so the
  lookups by case number (API, timeline, page, reopen page, Open311) count
  against one limit together, whichever path asks.
- Storage: Redis when ``REDIS_URL`` is set (shared by workers and replicas),
  else the process's memory. If Redis goes away, counting goes on in memory.

Settings (casestore/config.py): ``LOOKUP_RATE_LIMIT``, ``OPEN311_LIST_RATE_LIMIT``,
``ACCOUNT_ADDRESS_RATE_LIMIT``, ``TRUSTED_PROXY_HOPS``; ``RATELIMIT_ENABLED``
false turns every limit off (most tests).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from .auth import bearer_token, is_service_token

_MARKS = "_casestore_rate_limits"

# Scopes shared by several views.
LOOKUP = "lookup"  # one case by number, on any path
OPEN311_LIST = "open311-list"  # Open311 bulk reads


@dataclass(frozen=True)
class LimitMark:
    """A limit a view declared, applied by ``init_limits``."""

    limit: Callable[[], str]
    methods: tuple[str, ...]
    key: Callable[[], str] | None
    scope: str | None
    exempt_when: Callable[[], bool] | None


def rate_limited(
    limit: Callable[[], str],
    methods: tuple[str, ...] = ("GET", "POST"),
    *,
    key: Callable[[], str] | None = None,
    scope: str | None = None,
    exempt_when: Callable[[], bool] | None = None,
):
    """Declare a limit on a view: at most ``limit()`` requests per client (or per ``key``).

    ``limit`` is called per request, so settings are read at use. A GET limit
    also counts HEAD. ``scope`` shares one bucket between views. Returns the
    view itself, marked; the app factory applies the marks (``init_limits``).
    """
    verbs = tuple(methods) + (("HEAD",) if "GET" in methods and "HEAD" not in methods else ())

    def decorate(view: Callable) -> Callable:
        mark = LimitMark(limit, verbs, key, scope, exempt_when)
        setattr(view, _MARKS, (*getattr(view, _MARKS, ()), mark))
        return view

    return decorate


def client_key() -> str:
    """Return the client's address: the socket peer, or what the trusted proxies said."""
    return request.remote_addr or "unknown"


def form_address(field: str = "email") -> str:
    """Return the email address a posted form names (any ``<prefix>-email`` too), lower case."""
    value = request.form.get(field) or next(
        (v for k, v in request.form.items() if k.endswith(f"-{field}")), "")
    return value.strip().lower()


def per_address(field: str = "email") -> Callable[[], str]:
    """Return a key function: a hash of the address the form names (never the address itself,
    which would otherwise sit in Redis)."""

    def key() -> str:
        return "address:" + hashlib.sha256(form_address(field).encode()).hexdigest()[:32]

    return key


def no_address(field: str = "email") -> Callable[[], bool]:
    """Return an exemption: the per-address limit skips forms that name no address."""
    return lambda: not form_address(field)


def lookup_limit() -> str:
    """Return the limit on lookups of one case by number, per client (all paths together)."""
    return current_app.config.get("LOOKUP_RATE_LIMIT") or "60 per minute"


def open311_list_limit() -> str:
    """Return the limit on Open311 bulk reads (request lists, updates), per client."""
    return current_app.config.get("OPEN311_LIST_RATE_LIMIT") or "10 per minute"


def address_limit() -> str:
    """Return the limit on emails a form may send to one address (sign-up, password reset)."""
    return current_app.config.get("ACCOUNT_ADDRESS_RATE_LIMIT") or "5 per hour"


def exempt_service() -> bool:
    """Return True when the caller presents the service token (the assistant asks for many)."""
    return is_service_token(bearer_token())


def init_proxy(app: Flask) -> None:
    """Trust ``TRUSTED_PROXY_HOPS`` proxies in front of the app (default 0: trust none).

    With N hops, ``ProxyFix`` takes the client address and scheme from the
    Nth-from-last ``X-Forwarded-For``/``-Proto`` entry, the one the nearest
    trusted proxy wrote; with 0, the headers are ignored (anyone can send them).
    """
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _decorator(limiter: Limiter, mark: LimitMark) -> Callable[[Callable], Callable]:
    """Return Flask-Limiter's decorator for ``mark`` (its public API only)."""
    options = {"key_func": mark.key, "methods": list(mark.methods),
               "exempt_when": mark.exempt_when}
    if mark.scope is None:
        return limiter.limit(mark.limit, **options)
    try:
        return limiter.shared_limit(mark.limit, mark.scope, **options)
    except TypeError:
        # Flask-Limiter 2.9's shared_limit takes no methods. The apps run on 4.x; 2.9 is
        # only in the assistant's environment, whose tests run a case store in-process.
        from flask_limiter.extension import LimitDecorator

        return LimitDecorator(limiter, mark.limit, mark.key, shared=True, scope=mark.scope,
                              methods=mark.methods, exempt_when=mark.exempt_when)


def init_limits(app: Flask) -> Limiter:
    """Give ``app`` its limiter and apply every limit its views declared."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "casestore")
    # Redis down must not turn every limited path into a 500: count in memory meanwhile.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=client_key, default_limits=[])
    limiter.init_app(app)
    for endpoint, view in list(app.view_functions.items()):
        for mark in getattr(view, _MARKS, ()):
            # The public decorators only (the decorator class moved between releases).
            view = _decorator(limiter, mark)(view)
        app.view_functions[endpoint] = view
    app.extensions["casestore.limiter"] = limiter
    return limiter
