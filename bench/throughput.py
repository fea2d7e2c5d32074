"""Throughput of one host: resident messages a second through the web chat, per concurrency.

    .venv/bin/python bench/throughput.py [--checkout DIR ...] [--profile sqlite|postgresql]
        [--levels 5,10,20,30] [--seconds 60] [--ramp 10] [--procfile FILE] [--set VAR=VALUE]

Starts the whole stack of each ``--checkout`` (default: this one) from that
checkout's own ``Procfile``, each process from its own folder and
environments (``.venv``, and ``.venv-apps`` where the checkout has one): the
case store (after ``flask --app casestore init``), the notifier, the action
server, Rasa with the checkout's ``models/atl311.tar.gz``, and the channels
apps under gunicorn, as ``bin/run`` would, on free ports. Databases:

- ``sqlite`` (default): SQLite files in a temporary folder, Rasa's in-process
  lock store, as the embedded default;
- ``postgresql``: databases of its own on ``--postgres-url`` (default
  ``postgresql://postgres@127.0.0.1:5432/test``; created here, dropped at the
  end) for the cases, Rasa's tracker store, the channels inbox and the action
  server's queue, and Redis (``--redis-url``) for Rasa's lock store and the
  rate limits, as in production.

It then drives, for each concurrency level, that many web chat conversations
at once (``POST /webchat/messages``, as the widget does) for ``--seconds``
after a ``--ramp`` that is not counted. Each conversation is a new session: a
greeting, a report of a problem at an address that runs the report form to
the filed case (buttons are pressed as a resident would: "Yes, file it",
"Large", "No" first, else the first one; "skip" when no button is offered),
and a status lookup of the new case by its number. For each level it prints
messages/s completed, the turn latency (p50/p95/p99: request sent to the
real reply back), failures (errors, or a holding reply instead of the real
one), reports filed, and the CPU seconds per message of every process of the
stack (``/proc/<pid>/stat``, children included: gunicorn's workers), on
PostgreSQL also of the server's backends that serve the stack's databases
(``postgres``; Redis, one server shared by all, is not counted), plus the
load generator's own (``bench``). With several ``--checkout``s every stack runs at
once and each level runs on each in turn, alternating which goes first, so
they see the same machine at nearly the same moments. ``--procfile`` runs
another Procfile (a variant under test) in each checkout, ``--set`` adds a
variable to every process's environment (``--set CHANNELS_THREADS=16``), or to
one stack's (``--set after:SANIC_WORKERS=2``).
The SUMMARY line last: the highest throughput with p95 <= 1 s, per checkout.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
P95_TARGET_MS = 1000.0
CASE = re.compile(r"case number is (\d\d)-?(\d{6})")
PREFERRED_BUTTONS = ("Yes, file it", "Large", "No")
# Problems residents report, at addresses inside the city (house numbers are drawn at random).
REPORTS = (
    "there is a pothole at {n} Peachtree St NW",
    "the streetlight is out in front of {n} Edgewood Ave SE",
    "there's a big pothole at {n} Auburn Ave NE",
    "pothole at {n} Ralph McGill Blvd NE",
)
GREETINGS = ("hello", "hi", "good morning", "hey")
READY_TIMEOUT = {"rasa": 600.0}  # a busy 2-core machine loads the model slowly


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank; NaN when there is nothing."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- CPU from /proc ------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it, from /proc."""
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        try:
            for task in Path(f"/proc/{one}/task").glob("*/children"):
                todo += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its descendants, reaped children included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for one in descendants(pid):
        try:
            fields = _stat(one)
        except OSError:
            continue  # exited between the listing and the read
        # utime, stime, cutime, cstime (fields 14-17; 11-14 after the name)
        total += sum(int(value) for value in fields[11:15])
    return total / ticks


# --- the stack -------------------------------------------------------------------


def procfile_entries(path: Path) -> dict[str, str]:
    """``name: command`` lines of a Procfile, in order."""
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and ":" in line:
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def venv_bin(checkout: Path, kind: str) -> Path:
    """The checkout's ``.venv-apps/bin`` for the apps when it has one, else ``.venv/bin``."""
    apps = checkout / ".venv-apps" / "bin"
    if kind == "apps" and (apps / "python").exists():
        return apps
    return checkout / ".venv" / "bin"


class Databases:
    """Where each stack keeps its data: SQLite files, or PostgreSQL databases of its own."""

    def __init__(self, profile: str, postgres_url: str, workdir: Path) -> None:
        self.profile = profile
        self.workdir = workdir
        self.created: list[str] = []
        self.admin = None
        if profile == "postgresql":
            import sqlalchemy as sa

            self.admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        self.run_id = uuid.uuid4().hex[:8]

    def url(self, label: str) -> str:
        """A new, empty database for ``label``."""
        if self.admin is None:
            return f"sqlite:///{self.workdir / (label + '.sqlite3')}"
        import sqlalchemy as sa

        name = f"atl311_throughput_{self.run_id}_{label}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def backends(self, names: list[str]) -> list[int]:
        """Process ids of the PostgreSQL server's backends serving the databases ``names``."""
        if self.admin is None or not names:
            return []
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            return list(conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY(:names)"),
                {"names": names}).scalars())

    def drop(self) -> None:
        """Drop every database made here."""
        if self.admin is None:
            return
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        self.admin.dispose()


@dataclass
class Stack:
    """One checkout's processes, started from its Procfile."""

    label: str
    checkout: Path
    workdir: Path
    env: dict[str, str]
    urls: dict[str, str]
    databases: Databases | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, procfile: Path) -> None:
        """Start every Procfile process and wait until each that serves HTTP answers."""
        apps = venv_bin(self.checkout, "apps")
        subprocess.run([str(apps / "flask"), "--app", "casestore", "init"], cwd=self.checkout,
                       env=self.env, check=True, stdout=subprocess.DEVNULL)
        for name, command in procfile_entries(procfile).items():
            if not (self.checkout / ".venv-apps").exists():
                command = command.replace(".venv-apps/", ".venv/")
            log = open(self.workdir / f"{self.label}-{name}.log", "ab")  # noqa: SIM115
            self.processes[name] = subprocess.Popen(
                ["bash", "-c", f"exec {command}"], cwd=self.checkout, env=self.env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        checks = {
            "casestore": self.urls["casestore"] + "/healthz",
            "actions": self.urls["actions"] + "/health",
            "channels": self.urls["channels"] + "/",
            "rasa": f"{self.urls['rasa']}/status?token={self.env['RASA_AUTH_TOKEN']}",
        }
        for name, url in checks.items():
            self._wait(name, url)

    def _wait(self, name: str, url: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT.get(name, 120.0)
        while True:
            process = self.processes.get(name)
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{self.label}: {name} exited; see {self.workdir}")
            try:
                if requests.get(url, timeout=3).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.label}: {name} did not answer; see {self.workdir}")
            time.sleep(0.5)

    def cpu(self) -> dict[str, Any]:
        """CPU seconds so far of each process (its children included), and of the
        PostgreSQL backends that serve this stack's databases (``postgres``)."""
        spent = {name: cpu_seconds(p.pid) for name, p in self.processes.items()
                 if p.poll() is None}
        if self.databases is not None and self.databases.admin is not None:
            mine = [name for name in self.databases.created if f"_{self.label}_" in name]
            backends = self.databases.backends(mine)
            # Per backend: connections come and go; a new one counts from zero.
            spent["postgres"] = {pid: cpu_seconds(pid) for pid in backends}
        return spent

    def stop(self) -> None:
        """Stop every process (and whatever it started)."""
        for process in self.processes.values():
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def make_stack(label: str, checkout: Path, databases: Databases, redis_url: str | None,
               extra: dict[str, str]) -> Stack:
    """The settings of one checkout's stack (nothing started yet)."""
    workdir = databases.workdir
    ports = {name: free_port() for name in
             ("casestore", "actions", "rasa", "channels", "channels_internal")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    tokens = {name: secrets.token_urlsafe(24) for name in
              ("service", "rasa", "webhook", "internal", "actions_channels")}
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "RASA_AUTH_TOKEN", "RASA_WEBHOOK_TOKEN",
                        "CASESTORE_SERVICE_TOKEN", "VIRTUAL_ENV", "PYTHONPATH")}
    env.update({
        "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONUNBUFFERED": "1", "BIND_HOST": "127.0.0.1",
        "CASESTORE_PORT": str(ports["casestore"]), "CHANNELS_PORT": str(ports["channels"]),
        "CHANNELS_INTERNAL_HOST": "127.0.0.1",
        "CHANNELS_INTERNAL_PORT": str(ports["channels_internal"]),
        "ACTIONS_HOST": "127.0.0.1", "ACTIONS_PORT": str(ports["actions"]),
        "RASA_HOST": "127.0.0.1", "RASA_PORT": str(ports["rasa"]),
        # The case store
        "DATABASE_URL": databases.url(f"{label}_cases"),
        "CASESTORE_URL": urls["casestore"],
        "CASESTORE_VAR_DIR": str(workdir / f"{label}-casestore-var"),
        "CASESTORE_SERVICE_TOKEN": tokens["service"],
        "CASESTORE_SECRET_KEY": secrets.token_urlsafe(16),
        "SESSION_COOKIE_SECURE": "false",
        "CASESTORE_LOOKUP_RATE_LIMIT": "100000 per minute",
        "CASESTORE_OPEN311_LIST_RATE_LIMIT": "100000 per minute",
        "LIVECHAT_HOURS": "daily 00:00-24:00",
        "CHANNELS_INTERNAL_URL": urls["channels_internal"],
        "CHANNELS_INTERNAL_TOKEN": tokens["internal"],
        # The action server
        "CASESTORE_TIMEOUT": "5",
        "ACTIONS_DATABASE_URL": databases.url(f"{label}_actions"),
        "ACTIONS_CHANNELS_TOKEN": tokens["actions_channels"],
        # Rasa
        "RASA_AUTH_TOKEN": tokens["rasa"],
        "RASA_WEBHOOK_TOKEN": tokens["webhook"],
        "TRACKER_STORE_URL": databases.url(f"{label}_tracker"),
        "ACTION_ENDPOINT_URL": f"{urls['actions']}/webhook",
        "RASA_RUNTIME_DIR": str(workdir / f"{label}-rasa"),
        # The channels
        "RASA_URL": urls["rasa"],
        "CHANNELS_DATABASE_URL": databases.url(f"{label}_channels"),
        "PUBLIC_BASE_URL": urls["channels"],
        # No holding replies: the figures are the real replies' latency.
        "RASA_DEADLINE_SECONDS": "110",
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return Stack(label, checkout, workdir, env, urls, databases)


# --- the residents ----------------------------------------------------------------


@dataclass
class Tally:
    """What one level measured on one stack."""

    began: float
    until: float
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    filed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, done_at: float, seconds: float) -> None:
        """A message answered at ``done_at`` after ``seconds``; counted inside the window."""
        if self.began <= done_at <= self.until:
            with self.lock:
                self.latencies.append(seconds)


class StoppedError(Exception):
    """The level is over: stop sending."""


class Resident:
    """One web chat conversation after another until the level ends."""

    def __init__(self, url: str, tally: Tally, rng: random.Random) -> None:
        self.url = url
        self.tally = tally
        self.rng = rng
        self.http = requests.Session()

    def send(self, session_id: str, text: str | None = None,
             button: dict | None = None) -> list[dict]:
        """One message; returns the replies (raises StoppedError when the level is over)."""
        if time.monotonic() >= self.tally.until:
            raise StoppedError
        body: dict = {"session_id": session_id, "message_id": uuid.uuid4().hex}
        if button:
            body.update(payload=button["payload"], title=button["title"])
        else:
            body["text"] = text
        began = time.monotonic()
        try:
            response = self.http.post(f"{self.url}/webchat/messages", json=body, timeout=130)
            answer = response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError):
            answer = {}
        done = time.monotonic()
        if not answer.get("messages") or answer.get("pending"):
            with self.tally.lock:
                self.tally.failures += 1
            raise LookupError("no real reply")
        self.tally.record(done, done - began)
        return answer["messages"]

    def conversation(self) -> None:
        """Greeting, a report through the form to the filed case, its status."""
        session_id = secrets.token_urlsafe(16) + "bench"
        self.send(session_id, self.rng.choice(GREETINGS))
        opening = self.rng.choice(REPORTS).format(n=self.rng.randrange(100, 990, 2))
        messages = self.send(session_id, opening)
        for _ in range(15):
            found = CASE.search(" ".join(m.get("text", "") for m in messages))
            if found:
                with self.tally.lock:
                    self.tally.filed += 1
                self.send(session_id, f"status of case {found.group(1)}{found.group(2)}")
                return
            buttons = [b for m in messages for b in m.get("buttons") or []]
            if buttons:
                preferred = [b for b in buttons if b["title"] in PREFERRED_BUTTONS]
                messages = self.send(session_id, button=(preferred or buttons)[0])
            else:
                messages = self.send(session_id, "skip")

    def run(self) -> None:
        """Conversations until the level ends."""
        while time.monotonic() < self.tally.until:
            try:
                self.conversation()
            except StoppedError:
                return
            except LookupError:
                continue  # counted; a new resident starts


def spent_between(before: Any, after: Any) -> float:
    """CPU seconds between two readings of a process, or of a set of processes by id."""
    if isinstance(after, dict):
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
    return after - before


def run_level(stack: Stack, level: int, ramp: float, seconds: float, seed: int) -> dict:
    """``level`` conversations at once on ``stack``; the figures of the counted window."""
    began = time.monotonic() + ramp
    tally = Tally(began=began, until=began + seconds)
    residents = [Resident(stack.urls["channels"], tally, random.Random(seed * 1000 + i))
                 for i in range(level)]
    with cf.ThreadPoolExecutor(max_workers=level) as pool:
        futures = [pool.submit(r.run) for r in residents]
        time.sleep(max(0.0, began - time.monotonic()))
        cpu_before, own_before = stack.cpu(), os.times()
        time.sleep(max(0.0, tally.until - time.monotonic()))
        cpu_after, own_after = stack.cpu(), os.times()
        for future in futures:
            future.result()
    count = len(tally.latencies)
    cpu = {name: spent_between(cpu_before[name], cpu_after[name]) / max(count, 1)
           for name in cpu_before if name in cpu_after}
    cpu["bench"] = ((own_after.user + own_after.system) - (own_before.user + own_before.system)) \
        / max(count, 1)
    return {
        "label": stack.label, "level": level, "messages": count,
        "per_second": count / seconds, "p50_ms": percentile(tally.latencies, 0.50) * 1000,
        "p95_ms": percentile(tally.latencies, 0.95) * 1000,
        "p99_ms": percentile(tally.latencies, 0.99) * 1000,
        "failures": tally.failures, "filed": tally.filed,
        "cpu_ms_per_message": {name: value * 1000 for name, value in cpu.items()},
        "load": os.getloadavg()[0],
    }


def row(result: dict) -> str:
    """One printed line for one level on one stack."""
    cpu = result["cpu_ms_per_message"]
    stack_total = sum(v for k, v in cpu.items() if k != "bench")
    parts = " ".join(f"{name}={value:.1f}" for name, value in sorted(cpu.items()))
    return (f"{result['label']:<8} {result['level']:>4} {result['messages']:>6} "
            f"{result['per_second']:>7.2f} {result['p50_ms']:>7.0f} {result['p95_ms']:>7.0f} "
            f"{result['p99_ms']:>7.0f} {result['failures']:>5} {result['filed']:>5} "
            f"{result['load']:>5.1f}  cpu ms/msg {stack_total:.1f} ({parts})")


def best(results: list[dict], label: str) -> dict | None:
    """The highest throughput of ``label`` with p95 within the target."""
    fitting = [r for r in results if r["label"] == label and r["p95_ms"] <= P95_TARGET_MS
               and r["messages"]]
    return max(fitting, key=lambda r: r["per_second"], default=None)


def main(argv: list[str] | None = None) -> int:
    """Start the stacks, run the levels, print the table and the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkout", type=Path, action="append",
                        help="a checkout to measure (repeat to compare; default: this one)")
    parser.add_argument("--label", action="append", help="a name per --checkout")
    parser.add_argument("--profile", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--levels", default="5,10,20,30")
    parser.add_argument("--seconds", type=float, default=60.0, help="counted time per level")
    parser.add_argument("--ramp", type=float, default=10.0, help="uncounted start of each level")
    parser.add_argument("--procfile", help="a Procfile to run instead of each checkout's own "
                        "(relative paths are taken in each checkout)")
    parser.add_argument("--set", action="append", default=[], metavar="[LABEL:]VAR=VALUE",
                        help="an extra variable for every process (of one stack with LABEL:)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    checkouts = [c.resolve() for c in (args.checkout or [ROOT])]
    labels = args.label or [c.name for c in checkouts]
    if len(labels) != len(checkouts):
        parser.error("give one --label per --checkout")
    extra: dict[str, dict[str, str]] = {label: {} for label in labels}
    for item in args.set:
        name, value = item.split("=", 1)
        target, _, name = name.rpartition(":")
        for label in ([target] if target else labels):
            extra[label][name] = value
    workdir = Path(tempfile.mkdtemp(prefix="throughput-"))
    databases = Databases(args.profile, args.postgres_url, workdir)
    redis_url = args.redis_url if args.profile == "postgresql" else None
    stacks: list[Stack] = []
    results: list[dict] = []
    try:
        for label, checkout in zip(labels, checkouts, strict=True):
            stack = make_stack(label, checkout, databases, redis_url, extra[label])
            stacks.append(stack)
            print(f"starting {label} ({checkout}; logs in {workdir})...", flush=True)
            stack.start(Path(checkout, args.procfile) if args.procfile
                        else checkout / "Procfile")
        for stack in stacks:  # first turns load caches and open connections
            run_level(stack, 2, 0.0, 10.0, seed=0)
        print(f"{'stack':<8} {'conc':>4} {'msgs':>6} {'msg/s':>7} {'p50':>7} {'p95':>7} "
              f"{'p99':>7} {'fail':>5} {'filed':>5} {'load':>5}  (ms)", flush=True)
        for n, level in enumerate(int(x) for x in args.levels.split(",")):
            order = stacks if n % 2 == 0 else stacks[::-1]
            for stack in order:
                result = run_level(stack, level, args.ramp, args.seconds, seed=n + 1)
                results.append(result)
                print(row(result), flush=True)
    finally:
        for stack in stacks:
            stack.stop()
        databases.drop()
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    summary = []
    for label in labels:
        top = best(results, label)
        summary.append(f"{label}=" + (f"{top['per_second']:.2f}/s@{top['level']} "
                                      f"(p95 {top['p95_ms']:.0f} ms)" if top else "none"))
    tops = [best(results, label) for label in labels]
    if len(tops) == 2 and all(tops):
        summary.append(f"ratio={tops[1]['per_second'] / tops[0]['per_second']:.2f}")
    print("SUMMARY best messages/s with p95 <= 1 s: " + " ".join(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
