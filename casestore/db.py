"""Database engine per app and session per request.

The engine is made in ``create_app`` (never at import). On SQLite every
transaction starts with ``BEGIN IMMEDIATE`` and waits on a busy timeout, so
concurrent writers queue up instead of failing with "database is locked" and
the case counter update cannot interleave.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` with the SQLite locking set-up where needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, future=True, pool_pre_ping=True)
    engine = sa.create_engine(
        url,
        future=True,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if parsed.database and parsed.database != ":memory:":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - trivial
        # Read-only work (health checks) opts out of the write lock.
        readonly = connection.get_execution_options().get("casestore_readonly")
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def init_app(app) -> None:
    """Create the app's engine and session factory and close sessions after requests."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["casestore.engine"] = engine
    app.extensions["casestore.sessionmaker"] = sessionmaker(
        bind=engine, future=True, expire_on_commit=False
    )
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions["casestore.engine"]


def new_session() -> Session:
    """Return a new session on the current app's database (the caller closes it)."""
    return current_app.extensions["casestore.sessionmaker"]()


def get_session() -> Session:
    """Return this request's session, created on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


def _close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def database_ok() -> bool:
    """Return True when ``SELECT 1`` works on the app's database."""
    try:
        with engine().connect().execution_options(casestore_readonly=True) as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
