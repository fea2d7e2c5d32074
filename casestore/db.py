"""Database engine per app and session per request.

The engine is made in ``create_app`` (never at import). On SQLite a
transaction that may write starts with ``BEGIN IMMEDIATE`` and waits on a busy
timeout, so concurrent writers queue up instead of failing with "database is
locked" and the case counter update cannot interleave. Reads take no write
lock: GET and HEAD requests of the blueprints whose reads never write (the API,
Open311, the public and portal pages) and health checks begin with a deferred
``BEGIN``, which WAL mode lets run beside a writer. Views that have built their
answer call ``release_session`` before rendering it.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Blueprints whose GET/HEAD views only read. Others (the account confirmation
# link, the live-chat state poll) write on GET and keep BEGIN IMMEDIATE: a
# deferred transaction that read first cannot always upgrade to a write in WAL.
READ_ONLY_GET_BLUEPRINTS = ("api", "open311", "public", "portal")


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
    """Create the app's engine and session factories and close sessions after requests."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["casestore.engine"] = engine
    app.extensions["casestore.sessionmaker"] = sessionmaker(
        bind=engine, future=True, expire_on_commit=False
    )
    app.extensions["casestore.reader"] = sessionmaker(
        bind=engine.execution_options(casestore_readonly=True), future=True,
        expire_on_commit=False,
    )
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions["casestore.engine"]


def new_session() -> Session:
    """Return a new session on the current app's database (the caller closes it)."""
    return current_app.extensions["casestore.sessionmaker"]()


def chore_pass(work: Callable[[Session], int], on_error: Callable[[Exception], None]) -> int:
    """Run one pass of a background chore in its own session and return its count.

    An exception rolls back, is handed to ``on_error`` (which logs it by type) and
    counts as 0: the notifier loop that runs every chore must keep going.
    """
    session = new_session()
    try:
        return work(session)
    except Exception as exc:  # noqa: BLE001 - the loop running this chore must keep going
        session.rollback()
        on_error(exc)
        return 0
    finally:
        session.close()


def read_only_request() -> bool:
    """Return True when this request only reads: a GET/HEAD of a read-only blueprint."""
    return (has_request_context() and request.method in ("GET", "HEAD")
            and request.blueprint in READ_ONLY_GET_BLUEPRINTS)


def get_session() -> Session:
    """Return this request's session, created on first use and closed at teardown.

    A read-only request's session begins its transactions without the write lock.
    """
    if "db_session" not in g:
        factory = "casestore.reader" if read_only_request() else "casestore.sessionmaker"
        g.db_session = current_app.extensions[factory]()
    return g.db_session


def release_session() -> None:
    """Close this request's session now, ending its transaction before the answer is rendered.

    Loaded objects stay readable (``expire_on_commit=False``); a later
    ``get_session()`` opens a fresh session.
    """
    _close_session()


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
