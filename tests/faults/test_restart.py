"""Restart, don't stop: the Procfile's processes under supervisord, as ``bin/run`` runs them.

A reduced set (the case store and the channels app, from the real Procfile
lines, through the same ``bin/supervisord-conf`` as ``bin/run``; a Rasa
stand-in behind the channels app) is enough to show the policy: a process
killed with SIGKILL comes back while the other one keeps answering, the log
says so, every process's output reaches the terminal with its name, and
Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.faults.supervised import BIN, REPO, Supervised, answers
from tests.fixtures.channels import FakeRasa, wait_for
from tests.fixtures.stack import free_port

PROCESSES = ("casestore", "channels")


@dataclass
class ReducedSet:
    """supervisord with the case store and the channels app, and their health URLs."""

    supervised: Supervised
    health: dict[str, str]


def reduced_env(make_database_url, workdir: Path, rasa_url: str) -> tuple[dict, dict]:
    """The environment of the reduced set, and each process's health URL."""
    ports = {name: free_port() for name in PROCESSES}
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update({
        "BIND_HOST": "127.0.0.1",
        "CASESTORE_PORT": str(ports["casestore"]),
        "CASESTORE_WORKERS": "1",
        "CHANNELS_PORT": str(ports["channels"]),
        "CHANNELS_THREADS": "4",
        "DATABASE_URL": make_database_url("restartcases"),
        "CASESTORE_VAR_DIR": str(workdir / "casestore-var"),
        "CASESTORE_URL": f"http://127.0.0.1:{ports['casestore']}",
        "CASESTORE_SECRET_KEY": secrets.token_urlsafe(16),
        "CASESTORE_SERVICE_TOKEN": secrets.token_urlsafe(16),
        "CHANNELS_DATABASE_URL": make_database_url("restartchannels"),
        "CHANNELS_URL": f"http://127.0.0.1:{ports['channels']}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['channels']}",
        "RASA_URL": rasa_url,
        "RASA_WEBHOOK_TOKEN": secrets.token_urlsafe(16),
        "CHANNELS_INTERNAL_TOKEN": secrets.token_urlsafe(16),
    })
    subprocess.run([str(BIN / "flask"), "--app", "casestore", "init"], cwd=REPO, env=env,
                   check=True, capture_output=True, timeout=120)
    health = {name: f"http://127.0.0.1:{port}/healthz" for name, port in ports.items()}
    return env, health


def start_reduced(make_database_url, workdir: Path, rasa_url: str) -> ReducedSet:
    """Start the reduced set and wait until both answer their health checks."""
    env, health = reduced_env(make_database_url, workdir, rasa_url)
    supervised = Supervised(workdir, env, only=PROCESSES)
    try:
        for name in PROCESSES:
            wait_for(lambda n=name: supervised._alive() and answers(health[n]), 90, name)
    except BaseException:
        supervised.stop()
        raise
    return ReducedSet(supervised, health)


@pytest.fixture(scope="module")
def fake_rasa_module() -> Iterator[FakeRasa]:
    """A Rasa stand-in for the whole module (the channels app's health check asks it)."""
    fake = FakeRasa()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def reduced(make_database_url, tmp_path_factory, fake_rasa_module) -> Iterator[ReducedSet]:
    """The case store and the channels app under supervisord, for the module."""
    running = start_reduced(make_database_url, tmp_path_factory.mktemp("supervised"),
                            fake_rasa_module.url)
    yield running
    running.supervised.stop()


@dataclass
class Poller:
    """Asks one URL over and over from a thread and keeps every outcome."""

    url: str
    outcomes: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                status = requests.get(self.url, timeout=10).status_code
                self.outcomes.append(str(status))
            except requests.RequestException as exc:
                self.outcomes.append(type(exc).__name__)

    def __enter__(self) -> Poller:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


@pytest.mark.parametrize(("killed", "other"), [("casestore", "channels"),
                                                ("channels", "casestore")])
def test_a_killed_process_comes_back_while_the_other_keeps_serving(reduced, killed, other):
    supervised = reduced.supervised
    with Poller(reduced.health[other]) as poller:
        old = supervised.kill9(killed)
        new = supervised.wait_running(killed, other_than=old)
        wait_for(lambda: answers(reduced.health[killed]), 90, f"{killed} answering again")
        served_before_return = len(poller.outcomes)
        wait_for(lambda: len(poller.outcomes) > served_before_return, 30, "one more answer")
    assert new != old
    assert set(poller.outcomes) == {"200"}


def test_the_log_says_which_process_died_and_that_it_was_restarted(reduced):
    supervised = reduced.supervised
    old = supervised.kill9("casestore")
    new = supervised.wait_running("casestore", other_than=old)
    log = wait_for(lambda: (t := supervised.text()) and f"spawned: 'casestore' with pid {new}"
                   in t and t, 30, "the restart in the log")
    died = log.index("exited: casestore (terminated by SIGKILL; not expected)")
    assert log.index(f"spawned: 'casestore' with pid {new}") > died


def test_each_process_output_reaches_the_terminal_under_its_name(reduced):
    log = reduced.supervised.text()
    assert "casestore  | " in log and "Listening at: http://127.0.0.1:" in log
    channels_lines = [line for line in log.splitlines() if line.startswith("channels   | ")]
    assert any("Listening at: http://127.0.0.1:" in line for line in channels_lines)


def test_ctrl_c_stops_every_process(make_database_url, tmp_path, fake_rasa_module):
    running = start_reduced(make_database_url, tmp_path, fake_rasa_module.url)
    pids = {name: running.supervised.wait_running(name) for name in PROCESSES}
    status = running.supervised.interrupt()
    log = running.supervised.text()
    assert status == 0
    assert "stopped: casestore (exit status 0)" in log
    assert "stopped: channels (exit status 0)" in log
    for name, pid in pids.items():
        assert not Path(f"/proc/{pid}").exists(), name
        assert not answers(running.health[name]), name


def test_every_procfile_line_becomes_a_restarted_program(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: gunicorn --bind ${HOST:-127.0.0.1}:8000 'app:create()'\n"
                        "# a comment\n\nworker: flask --app x worker --rate 100%\n")
    config = subprocess.run(
        [sys.executable, str(REPO / "bin" / "supervisord-conf"), "--procfile", str(procfile),
         "--var", str(tmp_path)], check=True, capture_output=True, text=True).stdout
    programs = [line for line in config.splitlines() if line.startswith("[program:")]
    assert programs == ["[program:web]", "[program:worker]"]
    web = config.split("[program:web]")[1].split("[program:worker]")[0]
    assert ("command=/bin/sh -c 'exec gunicorn --bind ${HOST:-127.0.0.1}:8000 "
            "'\"'\"'app:create()'\"'\"''") in web
    assert "autorestart=true" in web
    assert "command=/bin/sh -c 'exec flask --app x worker --rate 100%%'" in config


def test_a_name_not_in_the_procfile_is_refused(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: gunicorn app\n")
    done = subprocess.run(
        [sys.executable, str(REPO / "bin" / "supervisord-conf"), "--procfile", str(procfile),
         "--only", "web,ghost"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "not in the Procfile: ghost" in done.stderr
