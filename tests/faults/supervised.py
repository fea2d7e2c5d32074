"""The Procfile's processes under supervisord, as ``bin/run`` runs them, for tests and benches.

``Supervised(workdir, env, only=[...])`` writes the configuration with
``bin/supervisord-conf`` (the same generator ``bin/run`` uses) and starts
supervisord in the foreground with ``env`` (every process inherits it: ports,
databases, tokens). Its terminal output (its own log and every process's
lines, prefixed with the name) goes to ``workdir/supervisord.log``.
``pid(name)`` asks supervisord through ``supervisorctl``; ``kill9(name)`` is
the crash; ``interrupt()`` is Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import requests

from tests.fixtures.channels import wait_for

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 right now."""
    try:
        return requests.get(url, timeout=3).status_code == 200
    except requests.RequestException:
        return False


class Supervised:
    """supervisord running (a subset of) the Procfile's processes."""

    def __init__(self, workdir: Path, env: dict[str, str], only: Iterable[str] = (),
                 procfile: Path = REPO / "Procfile") -> None:
        self.workdir = workdir
        self.config = workdir / "supervisord.conf"
        self.log = workdir / "supervisord.log"
        argv = [sys.executable, str(REPO / "bin" / "supervisord-conf"), "--procfile",
                str(procfile), "--var", str(workdir), "--python", sys.executable]
        if only:
            argv += ["--only", ",".join(only)]
        self.config.write_text(subprocess.run(argv, check=True, capture_output=True,
                                              text=True, cwd=REPO).stdout)
        self.env = {**env, "PYTHONUNBUFFERED": "1"}
        with open(self.log, "ab") as out:  # appended to: the processes' relay shares it
            self.process = subprocess.Popen(
                [str(BIN / "supervisord"), "-c", str(self.config)], cwd=REPO, env=self.env,
                stdout=out, stderr=subprocess.STDOUT)

    def ctl(self, *args: str) -> str:
        """Run ``supervisorctl`` against this supervisord; return its output."""
        done = subprocess.run([str(BIN / "supervisorctl"), "-c", str(self.config), *args],
                              capture_output=True, text=True, timeout=30, cwd=REPO)
        return done.stdout

    def pid(self, name: str) -> int:
        """The process's pid, 0 when it is not running (or supervisord not answering yet)."""
        out = self.ctl("pid", name).strip()
        return int(out) if out.isdigit() else 0

    def wait_running(self, name: str, timeout: float = 60, other_than: int = 0) -> int:
        """Wait until ``name`` runs (with a pid other than ``other_than``); return its pid."""
        self._alive()
        return wait_for(lambda: self._alive() and (p := self.pid(name)) not in (0, other_than)
                        and p, timeout, f"{name} running under supervisord")

    def kill9(self, name: str) -> int:
        """SIGKILL the process (as a crash would); return the pid it had."""
        pid = self.wait_running(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def text(self) -> str:
        """Everything supervisord printed so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def _alive(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"supervisord exited with {self.process.returncode}:\n"
                               f"{self.text()[-3000:]}")
        return True

    def interrupt(self, timeout: float = 90) -> int:
        """Ctrl-C: SIGINT to supervisord; return its exit status once everything stopped."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """Stop everything (used in teardown; SIGKILL only if SIGINT did not do it)."""
        try:
            self.interrupt()
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
