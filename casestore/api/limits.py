"""Rate limiting of the public lookup by number (Flask-Limiter).

Memory storage per process by default; ``REDIS_URL`` shares the counters
between workers and replicas. The service token is exempt: the assistant
looks cases up for many residents from one address.
"""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ..auth import bearer_token, is_service_token


def init_limiter(app, *endpoints: str) -> Limiter:
    """Give ``app`` its own limiter (storage from ``REDIS_URL``, else memory) on ``endpoints``.

    One limiter per app rather than a module-level one, so apps built in the
    same process (tests, several workers' factories) never share counters.
    """
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "casestore")
    limiter = Limiter(key_func=get_remote_address, default_limits=[])
    limiter.init_app(app)
    limit = limiter.limit(lookup_limit, exempt_when=exempt_service)
    for endpoint in endpoints:
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    app.extensions["casestore.limiter"] = limiter
    return limiter


def lookup_limit() -> str:
    """Return the configured limit of public lookups per client."""
    return current_app.config["LOOKUP_RATE_LIMIT"]


def exempt_service() -> bool:
    """Return True when the caller presents the service token."""
    return is_service_token(bearer_token())
