"""Container health check of the ATL311 images (stdlib only; SQLAlchemy for --database).

    atl311-healthcheck                        GET $HEALTHCHECK_URL, healthy on 200
    atl311-healthcheck http://127.0.0.1:8000/healthz
    atl311-healthcheck --database DATABASE_URL

The last form is the notifier's (it serves no HTTP): healthy when the database named
by that variable answers ``SELECT 1``. A health check does not pass through the
image's entry point, so the URL is read from ``/run/secrets/<NAME>`` (compose
secrets) before the environment (Kubernetes).
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

TIMEOUT_SECONDS = 4
# Where compose mounts secrets (ATL311_SECRETS_DIR names another folder: the tests).
SECRETS_DIR = Path(os.environ.get("ATL311_SECRETS_DIR", "/run/secrets"))


def secret(name: str) -> str:
    """Return the value of ``name``: its compose secret file, else the environment."""
    file = SECRETS_DIR / name
    if file.is_file():
        return file.read_text().strip()
    return os.environ.get(name, "")


def http_ok(url: str) -> bool:
    """True when ``url`` answers 200 within the timeout."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - our own probe URL
            return answer.status == 200
    except OSError:
        return False


def database_ok(variable: str) -> bool:
    """True when the database whose SQLAlchemy URL is in ``variable`` answers SELECT 1."""
    from sqlalchemy import create_engine, text

    url = secret(variable)
    if not url:
        return False
    engine = create_engine(url, pool_pre_ping=False, connect_args={})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure is "unhealthy", and says nothing secret
        return False
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    """Exit 0 when healthy, 1 otherwise."""
    if argv[:1] == ["--database"] and len(argv) == 2:
        return 0 if database_ok(argv[1]) else 1
    url = argv[0] if argv else os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8080/healthz")
    return 0 if http_ok(url) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
