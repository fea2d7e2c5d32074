"""Secrets under var/: created owner-only from the first byte, and one value when workers race."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from casestore import _secret_key
from casestore.auth import write_secret_file
from tests.fixtures.casestore import build_app


@pytest.fixture()
def open_umask():
    """Run with umask 000, the worst case: a plain write would make world-readable files."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_session_key_is_written_0600_even_under_umask_000(tmp_path, open_umask):
    key = _secret_key(str(tmp_path))
    path = tmp_path / "secret_key"
    assert mode(path) == 0o600
    assert path.read_text().strip() == key and len(key) == 64
    assert _secret_key(str(tmp_path)) == key  # kept, not replaced


def test_workers_racing_on_the_session_key_all_end_with_the_same_key(tmp_path):
    barrier = threading.Barrier(8)
    keys: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        key = _secret_key(str(tmp_path))
        with lock:
            keys.append(key)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text().strip() == keys[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no temporary left


def test_an_existing_secret_is_never_overwritten(tmp_path):
    path = tmp_path / "service_token"
    assert write_secret_file(path, "first\n") is True
    assert write_secret_file(path, "second\n") is False
    assert path.read_text() == "first\n"


def test_init_writes_the_tokens_0600_even_under_umask_000(make_database_url, tmp_path,
                                                          open_umask):
    app = build_app(make_database_url("secrets"), str(tmp_path))
    try:
        result = app.test_cli_runner().invoke(args=["init"])
        assert result.exit_code == 0, result.output
    finally:
        app.extensions["casestore.engine"].dispose()
    for name in ("service_token", "rasa_token"):
        assert mode(tmp_path / name) == 0o600
        assert len((tmp_path / name).read_text().strip()) >= 40
