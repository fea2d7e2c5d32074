"""The replica rig: two of every process behind HAProxy, on PostgreSQL and Redis, and a ledger.

Used by ``tests/replicas/test_replicas.py`` (asserts the ledger) and
``bench/replicas.py`` (one replica against two, then the kill-one ledger).
Production profile only.

``start_cluster(workdir, admin_url)`` starts, each on a free port on 127.0.0.1:

- HAProxy with ``deploy/haproxy/haproxy.cfg`` (addresses from the environment,
  checks every 500 ms), one frontend per kind;
- two case stores (gunicorn, as the Procfile runs them), two channels apps (a
  public and an internal gunicorn each), two Rasa servers reading the same
  ``models/atl311.tar.gz``, two action servers, and one notifier;
- on fresh PostgreSQL databases shared by the replicas of a kind (cases, the
  channels inbox and outbox, Rasa's tracker store, the action servers' queue),
  a redis-server of its own (Rasa's lock store, the case store's rate limits),
  a real SMTP server and the provider-API recorder.

Every process reaches the others through HAProxy, never a replica directly:
channels -> Rasa and the case store; Rasa -> the actions (``ACTION_ENDPOINT_URL``);
actions -> the case store and the channels' internal app; the case store and the
notifier -> the channels' internal app. Residents' providers post to HAProxy's
channels frontend, which is ``PUBLIC_BASE_URL`` (signatures are checked against it).

``run_kill_one(cluster)`` runs the fault rig's traffic (``tests.faults.rig``:
web chat, signed SMS, signed voice, Telegram, signed Messenger; ``per_channel``
residents at a time on each), SIGKILLs replica ``a`` of each kind in turn (its
process group: a gunicorn master with its workers, as a crashed container) and
leaves it down, waits after each kill until a report begun afterwards has been
filed on every channel, then drains and returns the fault rig's ``Ledger`` with
one more check
(``turn_order``): each conversation's messages reached Rasa's tracker in the
order the resident sent them. A kill's "back s" is how long HAProxy took to
take the replica out of rotation; "service s" until a web chat turn through
every kind was answered again.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tests.faults.rig import (
    PATIENCE_SECONDS,
    FaultResult,
    Ledger,
    RedisServer,
    Traffic,
    _rows,
    _utcnow,
    build_ledger,
    drain,
    probe_turn,
    service_env,
)
from tests.fixtures.channels import ApiRecorder, wait_for
from tests.fixtures.database import create_postgres_database, drop_postgres_database
from tests.fixtures.envs import bin_dir
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.stack import free_port

REPO = Path(__file__).resolve().parents[2]
HAPROXY_CONFIG = REPO / "deploy" / "haproxy" / "haproxy.cfg"
MODEL = REPO / "models" / "atl311.tar.gz"
KINDS = ("casestore", "channels", "rasa", "actions")
# HAProxy's backends of each kind (a channels replica is its public and internal apps).
BACKENDS = {"casestore": ("casestore",), "channels": ("channels", "channels_internal"),
            "rasa": ("rasa",), "actions": ("actions",)}
REPLICAS = ("a", "b")
# The fault rig's residents, and Messenger's (signed page events, replies through the Send API).
CHANNELS = (*Traffic.CHANNELS, "messenger")
CHECK_INTER = "500ms"
START_SECONDS = 600  # two Rasa servers load their models side by side on two cores
ACCESS_LOG = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'  # as the Procfile's


def haproxy_binary() -> str | None:
    """Where HAProxy is installed (Debian: /usr/sbin, often not on a user's PATH), or None."""
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None)


@dataclass
class Process:
    """One process of the cluster, in a session of its own (so a kill takes its children)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(self.argv, cwd=REPO, env=self.env, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def check(self) -> bool:
        """True while running; raise with its log's tail when it exited on its own."""
        if self.popen is not None and self.popen.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{tail}")
        return True

    def kill9(self) -> None:
        """SIGKILL the whole process group: a crash, with no chance to finish anything."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM the process group; SIGKILL what is left after 30 s."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill9()


class Haproxy:
    """The running HAProxy and its runtime API (the admin socket)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.socket_path = env["HAPROXY_ADMIN_SOCKET"]
        binary = haproxy_binary()
        if binary is None:
            raise RuntimeError("haproxy is not installed (apt-get install haproxy)")
        # -W -db: master-worker in the foreground, its request log on stdout.
        self.process = Process("haproxy", [binary, "-W", "-db", "-f", str(HAPROXY_CONFIG)],
                               env, workdir / "haproxy.log")
        self.process.start()

    def command(self, line: str) -> str:
        """Send one runtime API command; return the answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(self.socket_path)
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def states(self) -> dict[str, str]:
        """``{"backend/server": status}`` (UP, DOWN, MAINT, "UP 1/2"...) from ``show stat``."""
        try:
            text = self.command("show stat")
        except OSError:
            return {}
        lines = [line for line in text.splitlines() if line and not line.startswith("#")]
        header = text.splitlines()[0].lstrip("# ").split(",") if text else []
        states = {}
        for line in lines:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("svname") not in ("FRONTEND", "BACKEND"):
                states[f"{row['pxname']}/{row['svname']}"] = row.get("status", "")
        return states

    def set_enabled(self, server: str, enabled: bool) -> None:
        """Put ``backend/server`` in maintenance (no new requests) or back in rotation."""
        self.command(f"{'enable' if enabled else 'disable'} server {server}")


def servers_of(kind: str, replica: str) -> list[str]:
    """HAProxy's ``backend/server`` names for one replica of a kind."""
    return [f"{backend}/{backend}_{replica}" for backend in BACKENDS[kind]]


@dataclass
class Cluster:
    """Everything ``start_cluster`` started, and how to reach it (a fault rig ``Service``)."""

    workdir: Path
    env: dict[str, str]
    urls: dict[str, str]  # HAProxy's frontends
    databases: dict[str, str]
    admin: sa.engine.Engine
    recorder: ApiRecorder
    smtp: SmtpServer
    redis: RedisServer
    haproxy: Haproxy
    processes: dict[str, Process] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)

    def replica(self, kind: str, replica: str) -> list[Process]:
        """The processes of one replica (a channels replica: public and internal)."""
        names = [f"{kind}-{replica}"] + ([f"channels-internal-{replica}"]
                                         if kind == "channels" else [])
        return [self.processes[n] for n in names]

    def all_up(self) -> bool:
        """Every process runs and HAProxy sees every server of every live replica UP."""
        for process in self.processes.values():
            process.check()
        self.haproxy.process.check()
        states = self.haproxy.states()
        return bool(states) and all(s.startswith("UP") for s in states.values())

    def rotation(self, replicas: tuple[str, ...]) -> None:
        """Only ``replicas`` of every kind take new requests (the others in maintenance)."""
        for kind in KINDS:
            for replica in REPLICAS:
                for server in servers_of(kind, replica):
                    self.haproxy.set_enabled(server, replica in replicas)

    def stop(self) -> None:
        """Stop every process and server and drop the cluster's databases."""
        for process in self.processes.values():
            with contextlib.suppress(Exception):
                process.stop()
        with contextlib.suppress(Exception):
            self.haproxy.process.stop()
        self.recorder.close()
        self.smtp.stop()
        self.redis.stop()
        for name in self.created:
            with contextlib.suppress(Exception):
                drop_postgres_database(self.admin, name)
        self.admin.dispose()


def _gunicorn(port: int, app: str, *workers: str) -> list[str]:
    """A gunicorn command line as the Procfile's (config, access log without queries)."""
    return [str(bin_dir("apps") / "gunicorn"), "--config", "config/gunicorn.conf.py", "--bind",
            f"127.0.0.1:{port}", *workers, "--access-logfile", "-",
            "--access-logformat", ACCESS_LOG, app]


def _commands(env: dict[str, str], ports: dict[str, int]) -> dict[str, tuple[list[str], dict]]:
    """Every process's command line and environment: the Procfile's, one per replica."""
    python = str(bin_dir("assistant") / "python")
    commands = {}
    for replica in REPLICAS:
        own = {name: ports[f"{name}-{replica}"] for name in
               ("casestore", "channels", "channels-internal", "rasa", "actions")}
        commands.update({
            f"casestore-{replica}": (_gunicorn(own["casestore"], "casestore:create_app()",
                                               "--workers", "2"), env),
            f"channels-{replica}": (_gunicorn(own["channels"], "channels:create_app()",
                                              "--workers", "1", "--threads", "8"), env),
            f"channels-internal-{replica}": (_gunicorn(
                own["channels-internal"], "channels:create_internal_app()",
                "--workers", "1", "--threads", "4"), env),
            f"rasa-{replica}": ([python, "-m", "bot.serve_rasa"],
                                {**env, "RASA_HOST": "127.0.0.1", "RASA_PORT": str(own["rasa"])}),
            f"actions-{replica}": ([python, "-m", "bot.actions.serve"],
                                   {**env, "ACTIONS_HOST": "127.0.0.1",
                                    "ACTIONS_PORT": str(own["actions"])}),
        })
    commands["notifier"] = ([str(bin_dir("apps") / "flask"), "--app", "casestore", "notifier"],
                            env)
    return commands


def start_cluster(workdir: Path, admin_url: str) -> Cluster:
    """Start HAProxy and two replicas of every process on fresh databases (module docstring)."""
    if not MODEL.exists():
        raise RuntimeError("no trained model: run bin/train first")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    run_id = uuid.uuid4().hex[:8]
    created, databases = [], {}
    for label in ("cases", "channels", "tracker", "actions"):
        name = f"atl311_replicas_{run_id}_{label}"
        databases[label] = create_postgres_database(admin, name)
        created.append(name)
    recorder = ApiRecorder()
    smtp = SmtpServer()
    smtp.start()
    redis = RedisServer(workdir)
    redis.start()
    frontends = {kind: free_port() for kind in
                 ("casestore", "channels", "channels-internal", "rasa", "actions")}
    urls = {kind: f"http://127.0.0.1:{port}" for kind, port in frontends.items()}
    ports = {f"{kind}-{replica}": free_port() for kind in frontends for replica in REPLICAS}
    env = service_env(workdir, databases, urls, redis.url, recorder.url, recorder.url, smtp.port)
    env.update({
        "PYTHONUNBUFFERED": "1",
        # Behind one proxy: rate limits key on the client HAProxy forwards for.
        "CASESTORE_TRUSTED_PROXY_HOPS": "1",
        "HAPROXY_ADMIN_SOCKET": str(workdir / "haproxy.sock"),
        "HAPROXY_CHECK_INTER": CHECK_INTER,
    })
    for kind, port in frontends.items():
        prefix = kind.upper().replace("-", "_")
        env[f"{prefix}_BIND"] = f"127.0.0.1:{port}"
        for replica in REPLICAS:
            env[f"{prefix}_{replica.upper()}"] = f"127.0.0.1:{ports[f'{kind}-{replica}']}"
    subprocess.run([str(bin_dir("apps") / "flask"), "--app", "casestore", "init"], cwd=REPO,
                   env=env, check=True, capture_output=True, timeout=180)
    haproxy = Haproxy(workdir, env)
    cluster = Cluster(workdir, env, urls, databases, admin, recorder, smtp, redis, haproxy,
                      created=created)
    try:
        for name, (argv, own_env) in _commands(env, ports).items():
            cluster.processes[name] = Process(name, argv, own_env, workdir / f"{name}.log")
            cluster.processes[name].start()
        wait_for(cluster.all_up, START_SECONDS, "every replica UP in HAProxy")
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextlib.contextmanager
def running_cluster(workdir: Path, admin_url: str) -> Iterator[Cluster]:
    """``start_cluster`` for a ``with`` block; everything stopped and dropped at its end."""
    cluster = start_cluster(workdir, admin_url)
    try:
        yield cluster
    finally:
        cluster.stop()


# --- turn order -----------------------------------------------------------------------------


def turn_order(sent: list[str], seen: list[str]) -> tuple[str, int]:
    """Compare the ids a resident sent (in order) with those Rasa's tracker holds (in order).

    Returns the outcome, "in order", "missing turn" (a message never reached Rasa)
    or "out of order", and how many turns Rasa processed a second time right after
    the first (a turn retried after a crash cut it: counted, not an error).
    Ids in ``seen`` may be scoped by the channel ("<session>:<id>").
    """
    def ours(tracker_id: str) -> str:
        return next((s for s in sent if tracker_id == s or tracker_id.endswith(f":{s}")),
                    tracker_id)

    collapsed: list[str] = []
    repeats = 0
    for tracker_id in map(ours, seen):
        if collapsed and collapsed[-1] == tracker_id:
            repeats += 1
        else:
            collapsed.append(tracker_id)
    if collapsed == sent:
        return "in order", repeats
    if len(collapsed) < len(sent) and _is_subsequence(collapsed, sent):
        return "missing turn", repeats
    return "out of order", repeats


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    remaining = iter(long)
    return all(item in remaining for item in short)


def check_turn_order(cluster: Cluster, traffic: Traffic, ledger: Ledger) -> None:
    """Fill ``ledger.turns``: per conversation, did its messages reach Rasa in order?"""
    stored = {row.provider_id for row in _rows(
        cluster.databases["channels"], "SELECT provider_id FROM inbox_messages")}
    tracker: dict[str, list[str]] = {}
    for sender, data in _rows(cluster.databases["tracker"],
                              "SELECT sender_id, data FROM events WHERE type_name = 'user' "
                              "ORDER BY id"):
        message_id = (json.loads(data).get("metadata") or {}).get("message_id")
        tracker.setdefault(sender, []).append(str(message_id))
    for conversation in traffic.conversations:
        sent = [s.provider_id for s in traffic.sent if s.sender == conversation.sender
                and any(p == s.provider_id or p.endswith(f":{s.provider_id}") for p in stored)]
        if not sent:
            continue
        outcome, repeats = turn_order(sent, tracker.get(conversation.sender, []))
        ledger.turns[outcome] += 1
        ledger.turns["turns processed twice"] += repeats
        if outcome != "in order":
            ledger.problems.append(f"{conversation.channel} conversation begun during "
                                   f"{conversation.phase}: {outcome} in Rasa's tracker")


# --- kill one of each -----------------------------------------------------------------------


def kill_replica(cluster: Cluster, kind: str, traffic: Traffic) -> FaultResult:
    """SIGKILL replica ``a`` of ``kind`` and leave it down; time HAProxy and the service."""
    result = FaultResult(f"{kind}-a", "SIGKILL, left down; the other replica serves")
    begun = len(traffic.conversations)
    start = time.monotonic()
    for process in cluster.replica(kind, "a"):
        process.kill9()
    servers = servers_of(kind, "a")
    wait_for(lambda: all(cluster.haproxy.states().get(s, "").startswith("DOWN")
                         for s in servers), 60, f"HAProxy to take {kind}-a out")
    result.back_seconds = round(time.monotonic() - start, 1)
    wait_for(lambda: probe_turn(cluster), 300, f"a web chat turn after killing {kind}-a")
    result.service_seconds = round(time.monotonic() - start, 1)
    # Progress on the survivor before the next kill: on every channel, a report begun
    # after this kill is filed (so the kills are apart, each under traffic of its own).
    wait_for(lambda: {c.channel for c in traffic.conversations[begun:]
                      if c.outcome == "filed"} >= set(traffic.channels), 600,
             f"a report on every channel begun after killing {kind}-a to be filed")
    return result


def refused_webhooks(haproxy_log: Path, most: int = 10) -> list[str]:
    """HAProxy's lines for requests to the public channels app that did not get a 2xx:
    what a provider was answered when a message was lost (timers Tq/Tw/Tc/Tr/Ta in ms,
    status, termination state; the log holds paths without queries, no personal data)."""
    if not haproxy_log.exists():
        return []
    lines = []
    for line in haproxy_log.read_text(errors="replace").splitlines():
        fields = line.split()
        if len(fields) > 6 and fields[2] == "channels" and not fields[5].startswith("2"):
            lines.append("haproxy: " + " ".join(fields[1:]))
    return lines[-most:]


def run_kill_one(cluster: Cluster, per_channel: int = 2,
                 log: Callable[[str], None] = lambda _: None) -> Ledger:
    """Traffic, replica ``a`` of every kind killed in turn, drain, ledger (module docstring)."""
    started = time.monotonic()
    traffic = Traffic(cluster, per_channel=per_channel, channels=CHANNELS)
    traffic.start()
    wait_for(lambda: any(c.outcome == "filed" for c in traffic.conversations), 400,
             "a first report filed before any kill")
    results = []
    for kind in KINDS:
        log(f"kill: {kind}-a")
        traffic.phase = f"{kind}-a"
        started_at = _utcnow()
        try:
            result = kill_replica(cluster, kind, traffic)
        except TimeoutError as exc:
            result = FaultResult(f"{kind}-a", "did not recover", note=str(exc))
        traffic.phase = "steady"
        result.started_at, result.ended_at = started_at, _utcnow()
        results.append(result)
        log(f"  out of rotation {result.back_seconds} s, service {result.service_seconds} s")
    traffic.finish(PATIENCE_SECONDS + 30)
    drained = drain(cluster)
    ledger = build_ledger(cluster, traffic, results)
    check_turn_order(cluster, traffic, ledger)
    if not drained:
        ledger.problems.append("still owed after the drain: messages or notices")
    if ledger.inbound["lost"]:
        ledger.problems += refused_webhooks(cluster.haproxy.process.log)
    ledger.seconds = round(time.monotonic() - started, 1)
    return ledger

