"""Starts Rasa (``rasa run --enable-api``) with the trained model, bound to localhost.

    .venv/bin/python -m bot.serve_rasa        # Ctrl-C stops it

Rasa's YAML substitutes ``${VAR}`` only in unquoted scalars and has no
defaults, so the endpoints file is written here from the environment instead:

- ``ACTION_ENDPOINT_URL`` (default ``http://localhost:5055/webhook``)
- ``TRACKER_STORE_URL`` (SQLAlchemy URL; default a SQLite file under ``var/``) -> Rasa's
  SQLTrackerStore, run off the event loop (``bot.tracker_store.ThreadedSQLTrackerStore``)
- ``REDIS_URL`` (when set) -> RedisLockStore, so replicas share conversation locks
- ``RASA_HOST`` / ``RASA_PORT`` (default 127.0.0.1:5005), ``RASA_MODEL``
  (default ``models/atl311.tar.gz``), ``RASA_AUTH_TOKEN`` (default: ``var/rasa_token``,
  created on first use) protects the HTTP API.
- ``RASA_MODEL_SERVER_URL`` (unset by default): the model comes from Rasa's model
  server instead of ``RASA_MODEL``: Rasa fetches the file at that URL at start and
  asks again every ``RASA_MODEL_PULL_SECONDS`` (60), loading a new one when its
  ETag changes (docs/deploy.md, "The model").
- ``RASA_WEBHOOK_TOKEN`` (default: ``var/rasa_webhook_token``, created on first
  use): the secret the REST channel (``bot.input_channel.SecuredRestInput``,
  named in ``credentials.yml``) requires as ``Authorization: Bearer``. It is a
  different secret from the API token, so the channels app, which needs only
  the webhook, cannot read or rewrite conversations through the API.
- ``LOG_FORMAT`` (default ``json``): Rasa's lines as one JSON object each on
  stderr, like every other process: the process becomes ``python -m bot.logs``
  with the same arguments, which replaces Rasa's logging set-up and then runs
  Rasa's CLI. With ``text`` it becomes ``rasa run`` itself, with Rasa's own lines.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


# Rasa's SQL tracker store with its database work off the event loop (bot/tracker_store.py).
TRACKER_STORE_TYPE = "bot.tracker_store.ThreadedSQLTrackerStore"


def tracker_store_config(url: str) -> dict:
    """Return the SQL tracker store's settings for a SQLAlchemy URL."""
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        path = Path(parsed.database or "var/tracker.sqlite3")
        if not path.is_absolute():
            path = ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        return {"type": TRACKER_STORE_TYPE, "dialect": "sqlite", "db": str(path)}
    config = {
        "type": TRACKER_STORE_TYPE,
        "dialect": dialect,
        "url": parsed.host or "localhost",
        "db": parsed.database,
    }
    if parsed.port:
        config["port"] = parsed.port
    if parsed.username:
        config["username"] = parsed.username
    if parsed.password:
        config["password"] = str(parsed.password)
    return config


def lock_store_config(url: str) -> dict:
    """Return Rasa's RedisLockStore settings for a ``redis://`` URL."""
    parts = urlsplit(url)
    config = {
        "type": "redis",
        "url": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": int((parts.path or "/0").lstrip("/") or 0),
        "key_prefix": "atl311",
        "use_ssl": parts.scheme == "rediss",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def endpoints_config(env: dict[str, str]) -> dict:
    """Return the endpoints file's content for this environment."""
    config = {
        "action_endpoint": {"url": env.get("ACTION_ENDPOINT_URL", "http://localhost:5055/webhook")},
        "tracker_store": tracker_store_config(
            env.get("TRACKER_STORE_URL") or f"sqlite:///{ROOT / 'var' / 'tracker.sqlite3'}"
        ),
    }
    if env.get("REDIS_URL"):
        config["lock_store"] = lock_store_config(env["REDIS_URL"])
    if env.get("RASA_MODEL_SERVER_URL"):
        config["models"] = {"url": env["RASA_MODEL_SERVER_URL"],
                            "wait_time_between_pulls": pull_seconds(env)}
    return config


def pull_seconds(env: dict[str, str]) -> int:
    """``RASA_MODEL_PULL_SECONDS`` (default 60): how often Rasa asks the model server again."""
    value = env.get("RASA_MODEL_PULL_SECONDS", "").strip() or "60"
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"RASA_MODEL_PULL_SECONDS must be a whole number of seconds, "
                         f"at least 1 (got {value!r})")
    return int(value)


def _secret_file(path: Path) -> str:
    """Return the secret kept in ``path``, creating it (owner-only, never clobbered) if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two starting processes never overwrite each other's secret;
        # 0600 from the start: no moment with the umask's permissions.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def auth_token(env: dict[str, str]) -> str:
    """Return Rasa's API token: ``RASA_AUTH_TOKEN`` or ``var/rasa_token`` (made if missing)."""
    if env.get("RASA_AUTH_TOKEN"):
        return env["RASA_AUTH_TOKEN"]
    return _secret_file(ROOT / "var" / "rasa_token")


def webhook_token(env: dict[str, str]) -> str:
    """Return the REST channel's secret: ``RASA_WEBHOOK_TOKEN`` or ``var/rasa_webhook_token``."""
    if env.get("RASA_WEBHOOK_TOKEN"):
        return env["RASA_WEBHOOK_TOKEN"]
    return _secret_file(ROOT / "var" / "rasa_webhook_token")


def command(env: dict[str, str], endpoints_file: Path) -> list[str]:
    """Return the ``rasa run`` command line."""
    model = env.get("RASA_MODEL", str(ROOT / "models" / "atl311.tar.gz"))
    return [
        str(Path(sys.executable).parent / "rasa"),
        "run",
        "--enable-api",
        # One argument with "=": a random token may start with "-", which
        # argparse would take for an option and refuse to start.
        f"--auth-token={auth_token(env)}",
        "--interface",
        env.get("RASA_HOST", "127.0.0.1"),
        "--port",
        env.get("RASA_PORT", "5005"),
        # With a model server, Rasa takes the model from it (the endpoints file's
        # "models:"); a --model beside it would be loaded first and then replaced.
        *([] if env.get("RASA_MODEL_SERVER_URL") else ["--model", model]),
        "--endpoints",
        str(endpoints_file),
        "--credentials",
        str(ROOT / "credentials.yml"),
    ]


def main() -> None:
    """Write the endpoints file and replace this process with ``rasa run``."""
    env = dict(os.environ)
    folder = Path(env.get("RASA_RUNTIME_DIR", ROOT / "var"))
    folder.mkdir(parents=True, exist_ok=True)
    endpoints_file = folder / f"endpoints.{env.get('RASA_PORT', '5005')}.yml"
    # The file can hold database passwords: owner-only.
    fd = os.open(endpoints_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(endpoints_config(env), handle)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    # The secured REST channel reads its secret from the environment it starts in.
    env["RASA_WEBHOOK_TOKEN"] = webhook_token(env)
    argv = launch_command(env, endpoints_file)
    os.execve(argv[0], argv, env)  # noqa: S606 - exec of our own venv's Python, fixed argv


def launch_command(env: dict[str, str], endpoints_file: Path) -> list[str]:
    """The command this process becomes: ``command()``, through bot/logs.py unless
    ``LOG_FORMAT`` is ``text`` (bot/logs.py replaces Rasa's logging, then runs its CLI)."""
    argv = command(env, endpoints_file)
    if (env.get("LOG_FORMAT", "json").strip().lower() or "json") == "text":
        return argv
    return [sys.executable, "-m", "bot.logs", *argv[1:]]


if __name__ == "__main__":
    main()
