"""The images' entry point (deploy/docker/with-secrets) and health check
(deploy/docker/healthcheck.py), run here as the images run them."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.deployfiles import REPO

WITH_SECRETS = REPO / "deploy" / "docker" / "with-secrets"
HEALTHCHECK = REPO / "deploy" / "docker" / "healthcheck.py"


def _environment_after_entry_point(secrets: Path, **extra: str) -> dict[str, str]:
    environment = dict(os.environ, ATL311_SECRETS_DIR=str(secrets), **extra)
    result = subprocess.run(["sh", str(WITH_SECRETS), "env", "-0"], env=environment,
                            capture_output=True, check=True, timeout=30)
    pairs = [item.split(b"=", 1) for item in result.stdout.split(b"\0") if item]
    return {key.decode(): value.decode() for key, value in pairs}


def test_each_secret_file_named_like_a_variable_becomes_that_variable(tmp_path: Path):
    (tmp_path / "DATABASE_URL").write_text("postgresql://atl311:pw@postgres/casestore\n")
    (tmp_path / "TWILIO_AUTH_TOKEN").write_text("")
    (tmp_path / "tls.pem").write_text("not a variable")
    (tmp_path / "9LIVES").write_text("not a variable either")
    environment = _environment_after_entry_point(tmp_path)
    assert environment["DATABASE_URL"] == "postgresql://atl311:pw@postgres/casestore"
    assert environment["TWILIO_AUTH_TOKEN"] == ""
    assert "tls.pem" not in environment and "9LIVES" not in environment


def test_without_a_secrets_folder_the_command_runs_with_its_environment(tmp_path: Path):
    environment = _environment_after_entry_point(tmp_path / "absent", RASA_URL="http://rasa:5005")
    assert environment["RASA_URL"] == "http://rasa:5005"


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A loopback HTTP server: 200 on /healthz, 503 elsewhere."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _check(*args: str, **extra: str) -> int:
    environment = dict(os.environ, **extra)
    return subprocess.run([sys.executable, str(HEALTHCHECK), *args], env=environment,
                          capture_output=True, timeout=30, check=False).returncode


def test_the_health_check_passes_on_200(server):
    assert _check(f"{server}/healthz") == 0


def test_the_health_check_fails_on_503(server):
    assert _check(f"{server}/elsewhere") == 1


def test_the_health_check_reads_its_address_from_the_environment(server):
    assert _check(HEALTHCHECK_URL=f"{server}/healthz") == 0


def test_the_health_check_fails_when_nothing_listens():
    # A port held by a socket that never listens: connections to it are refused.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        assert _check(f"http://127.0.0.1:{held.getsockname()[1]}/healthz") == 1


def test_the_database_check_reads_the_url_from_the_secrets_folder(tmp_path: Path):
    pytest.importorskip("sqlalchemy")
    (tmp_path / "DATABASE_URL").write_text(f"sqlite:///{tmp_path / 'db.sqlite3'}\n")
    assert _check("--database", "DATABASE_URL", ATL311_SECRETS_DIR=str(tmp_path)) == 0


def test_the_database_check_fails_without_a_url(tmp_path: Path):
    pytest.importorskip("sqlalchemy")
    environment = {"ATL311_SECRETS_DIR": str(tmp_path), "DATABASE_URL": ""}
    assert _check("--database", "DATABASE_URL", **environment) == 1


def test_the_database_check_fails_when_the_database_does_not_answer(tmp_path: Path):
    pytest.importorskip("sqlalchemy")
    missing = tmp_path / "no" / "such" / "folder" / "db.sqlite3"
    (tmp_path / "DATABASE_URL").write_text(f"sqlite:///{missing}\n")
    assert _check("--database", "DATABASE_URL", ATL311_SECRETS_DIR=str(tmp_path)) == 1
