"""Case store figures: creation rate and lookup latency with N cases already stored.

Not a test: it prints figures for docs/casestore.md. It seeds N cases with a
bulk insert (realistic spread of services, statuses, dates and places), then
times, through the real Flask app and its HTTP layer (test client, no
network):

- case creation per second (POST /api/v1/cases, one client, sequential);
- lookup by number (GET /api/v1/cases/<n>): median and p99;
- the Open311 list (GET /open311/v2/requests.json, default window) and the
  staff search (GET /api/v1/cases?status=open&service_code=...): median;

and prints the query plans of the hot queries.

    .venv-apps/bin/python bench/casestore_bench.py --cases 100000                       # SQLite
    .venv-apps/bin/python bench/casestore_bench.py --cases 100000 --postgresql          # PostgreSQL
Options: --creates 1000 --lookups 2000 --keep (do not drop the database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casestore import create_app  # noqa: E402
from casestore.auth import create_staff_token, hash_password  # noqa: E402
from casestore.catalog import load_catalog  # noqa: E402
from casestore.config import REPO_ROOT  # noqa: E402
from casestore.logs import configure_logging  # noqa: E402
from casestore.migrate import upgrade_database  # noqa: E402
from casestore.models import Activity, Case, CaseCounter, StaffUser  # noqa: E402
from tests.fixtures.database import (  # noqa: E402
    create_postgres_database,
    drop_postgres_database,
)

TOKEN = secrets.token_urlsafe(24)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
STREETS = [
    "Peachtree St NE",
    "Boulevard SE",
    "Ponce De Leon Ave NE",
    "Memorial Dr SE",
    "Martin Luther King Jr Dr SW",
    "Edgewood Ave SE",
    "Moreland Ave NE",
    "Northside Dr NW",
]


def make_database(postgresql: bool) -> tuple[str, callable]:
    """Create an empty database; return its URL and a function that drops it."""
    if not postgresql:
        folder = Path(tempfile.mkdtemp(prefix="casestore-bench-"))
        return f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", future=True)
    name = f"atl311_bench_{uuid.uuid4().hex[:8]}"
    return create_postgres_database(admin, name), lambda: drop_postgres_database(admin, name)


def seed(engine, n: int, catalog) -> list[str]:
    """Bulk-insert ``n`` cases (and their 'opened' activity); return their numbers."""
    rng = random.Random(311)
    services = list(catalog.services.values())
    now = dt.datetime.now(dt.timezone.utc)
    statuses = [
        "new",
        "acknowledged",
        "in_progress",
        "waiting_for_resident",
        "closed",
        "closed",
        "closed",
    ]
    numbers = []
    last: dict[int, int] = {}  # sequence per two-digit year, as the counter table keeps it
    batch = 10_000
    case_table, activity_table = Case.__table__, Activity.__table__
    with engine.begin() as conn:
        for start in range(0, n, batch):
            cases, acts = [], []
            for i in range(start, min(start + batch, n)):
                service = rng.choice(services)
                created = now - dt.timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
                status = rng.choice(statuses)
                address = f"{rng.randrange(1, 3000)} {rng.choice(STREETS)}"
                year = created.year % 100
                last[year] = last.get(year, 0) + 1
                number = f"{year:02d}{last[year]:06d}"
                numbers.append(number)
                cases.append(
                    {
                        "id": i + 1,
                        "number": number,
                        "service_code": service.code,
                        "department": service.department,
                        "status": status,
                        "description": "seeded case",
                        "address": address,
                        "address_normalized": address.upper(),
                        "lat": 33.65 + rng.random() * 0.2,
                        "long": -84.55 + rng.random() * 0.25,
                        "attributes": {},
                        "media_urls": [],
                        "channel": "sms",
                        "requester_email": f"r{i}@example.com",
                        "created_at": created,
                        "updated_at": created,
                        "expected_at": created + dt.timedelta(days=7),
                        "closed_at": created + dt.timedelta(days=3) if status == "closed" else None,
                        "close_reason": "fixed" if status == "closed" else None,
                        "closure_comments": "seeded" if status == "closed" else None,
                    }
                )
                acts.append(
                    {
                        "case_id": i + 1,
                        "kind": "opened",
                        "note": "",
                        "public": True,
                        "author_type": "system",
                        "author_name": "ATL311",
                        "data": {},
                        "created_at": created,
                    }
                )
            conn.execute(case_table.insert(), cases)
            conn.execute(activity_table.insert(), acts)
        for year, seq in last.items():
            conn.execute(CaseCounter.__table__.insert(), {"year": year, "last": seq})
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval('cases_id_seq', :n)"), {"n": n})
            conn.execute(sa.text("SELECT setval('activities_id_seq', :n)"), {"n": n})
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))  # fresh statistics, as autovacuum would give
        conn.commit()
    return numbers


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def concurrent_creates(app, body: dict, auth: dict, total: int, threads: int) -> float:
    """Return cases/s when ``threads`` clients create ``total`` cases at once."""
    barrier = threading.Barrier(threads + 1)

    def work(index: int) -> None:
        client = app.test_client()
        barrier.wait()
        for i in range(total // threads):
            r = client.post(
                "/api/v1/cases", json=body, headers={**auth, "Idempotency-Key": f"t{index}-{i}"}
            )
            assert r.status_code == 201, r.get_json()

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    return (total // threads * threads) / (time.perf_counter() - t0)


def explain(engine, label: str, sql: str, params: dict) -> None:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        rows = conn.execute(sa.text(prefix + sql), params).fetchall()
    print(f"  {label}:")
    for row in rows:
        print("    " + (str(row[-1]) if engine.dialect.name == "sqlite" else str(row[0])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url, drop = make_database(args.postgresql)
    try:
        run(url, args)
    finally:
        if not args.keep:
            drop()


def run(url: str, args) -> None:
    configure_logging(logging.WARNING)  # one log line per request would swamp the figures
    upgrade_database(url)
    var = tempfile.mkdtemp(prefix="casestore-bench-var-")
    app = create_app(
        {
            "DATABASE_URL": url,
            "VAR_DIR": var,
            "SERVICE_TOKEN": TOKEN,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )
    engine = app.extensions["casestore.engine"]
    catalog = load_catalog(REPO_ROOT / "config" / "catalog.yml")
    kind = engine.dialect.name
    t0 = time.perf_counter()
    numbers = seed(engine, args.cases, catalog)
    print(f"== {kind}, {args.cases:,} cases seeded in {time.perf_counter() - t0:.1f} s")

    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = {
        "service_code": "pothole",
        "description": "bench",
        "address": "412 Boulevard SE",
        "lat": 33.74,
        "long": -84.37,
        "channel": "sms",
        "attributes": {"size": "large", "in_travel_lane": "yes"},
        "requester": {"email": "bench@example.com", "channel_address": "sms:+14045550100"},
    }
    t0 = time.perf_counter()
    for i in range(args.creates):
        r = client.post("/api/v1/cases", json=body, headers={**auth, "Idempotency-Key": f"b{i}"})
        assert r.status_code == 201, r.get_json()
    elapsed = time.perf_counter() - t0
    print(f"create: {args.creates / elapsed:.0f} cases/s ({args.creates} sequential POSTs)")
    rate = concurrent_creates(app, body, auth, args.creates, threads=4)
    print(f"create: {rate:.0f} cases/s ({args.creates} POSTs from 4 threads)")

    rng = random.Random(7)
    lookups = timed(
        lambda: client.get(f"/api/v1/cases/{rng.choice(numbers)}", headers=auth), args.lookups
    )
    print(
        f"lookup by number: median {statistics.median(lookups):.2f} ms, "
        f"p99 {percentile(lookups, 99):.2f} ms ({args.lookups} GETs)"
    )

    open311 = timed(lambda: client.get("/open311/v2/requests.json"), 20)
    size = len(client.get("/open311/v2/requests.json").get_json())
    print(
        f"open311 GET requests.json (default window, {size} results): "
        f"median {statistics.median(open311):.1f} ms"
    )
    filtered = timed(
        lambda: client.get("/open311/v2/requests.json?service_code=pothole&status=open"), 20
    )
    print(
        f"open311 GET requests.json?service_code=pothole&status=open: "
        f"median {statistics.median(filtered):.1f} ms"
    )

    with app.app_context():
        from casestore.db import new_session

        session = new_session()
        agent = StaffUser(
            email="bench@staff",
            name="Bench",
            role="agent",
            password_hash=hash_password("bench-password"),
        )
        session.add(agent)
        session.commit()
        staff_auth = {"Authorization": f"Bearer {create_staff_token(session, agent)}"}
        session.close()
    search = timed(
        lambda: client.get("/api/v1/cases?status=open&service_code=pothole", headers=staff_auth), 20
    )
    print(
        f"staff search status=open&service_code=pothole (page of 50 + total): "
        f"median {statistics.median(search):.1f} ms"
    )

    print("query plans:")
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=90)
    if kind == "sqlite":
        since = since.replace(tzinfo=None)
    explain(engine, "lookup by number", "SELECT * FROM cases WHERE number = :n", {"n": numbers[0]})
    explain(
        engine,
        "timeline of a case",
        "SELECT * FROM activities WHERE case_id = :c ORDER BY id",
        {"c": 1},
    )
    explain(
        engine,
        "open311 list (last 90 days, newest first, 1000)",
        "SELECT * FROM cases WHERE created_at >= :s ORDER BY created_at DESC, id DESC LIMIT 1000",
        {"s": since},
    )
    explain(
        engine,
        "open311 by service and status",
        "SELECT * FROM cases WHERE service_code = :c AND status IN ('new','acknowledged') "
        "AND created_at >= :s ORDER BY created_at DESC LIMIT 1000",
        {"c": "pothole", "s": since},
    )
    explain(
        engine,
        "nearby (bounding box)",
        "SELECT * FROM cases WHERE service_code = :c AND status <> 'closed' AND lat "
        "BETWEEN 33.70 AND 33.71 AND long BETWEEN -84.40 AND -84.39",
        {"c": "pothole"},
    )
    explain(
        engine,
        "same normalised address",
        "SELECT * FROM cases WHERE address_normalized = :a",
        {"a": "412 BOULEVARD SE"},
    )
    engine.dispose()


if __name__ == "__main__":
    main()
