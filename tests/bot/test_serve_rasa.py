"""The Rasa launcher builds a command line that Rasa's own argument parser accepts, and
takes the model from a model server when one is named."""

from __future__ import annotations

import os
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from rasa.__main__ import create_argument_parser

from bot.serve_rasa import ROOT, command, endpoints_config
from tests.fixtures.channels import wait_for
from tests.fixtures.stack import ASSISTANT_BIN, RASA_START_TIMEOUT, free_port


def test_a_token_starting_with_a_dash_reaches_rasa_as_the_auth_token(tmp_path: Path):
    # secrets.token_urlsafe() can start with "-"; as a separate argument argparse
    # took it for an option and Rasa refused to start ("expected one argument").
    argv = command({"RASA_AUTH_TOKEN": "-Xy_z-123"}, tmp_path / "endpoints.yml")

    args = create_argument_parser().parse_args(argv[1:])

    assert args.auth_token == "-Xy_z-123"
    assert args.enable_api is True
    assert args.interface == "127.0.0.1"


def test_with_a_model_server_the_endpoints_file_names_it_and_no_model_is_passed(tmp_path: Path):
    env = {"RASA_AUTH_TOKEN": "t", "RASA_MODEL_SERVER_URL": "http://models.internal/atl311.tar.gz",
           "RASA_MODEL_PULL_SECONDS": "30"}
    assert endpoints_config(env)["models"] == {
        "url": "http://models.internal/atl311.tar.gz", "wait_time_between_pulls": 30}
    argv = command(env, tmp_path / "e.yml")
    assert "--model" not in argv
    create_argument_parser().parse_args(argv[1:])  # still a command line Rasa accepts


def test_without_a_model_server_the_trained_file_is_served_and_no_models_entry_written(
    tmp_path: Path,
):
    env = {"RASA_AUTH_TOKEN": "t", "RASA_MODEL": "/srv/atl311.tar.gz"}
    assert "models" not in endpoints_config(env)
    argv = command(env, tmp_path / "e.yml")
    assert argv[argv.index("--model") + 1] == "/srv/atl311.tar.gz"


@pytest.mark.parametrize("value", ["soon", "0", "-5", "1.5"])
def test_a_pull_interval_that_is_not_whole_seconds_stops_the_start_with_its_name(value):
    with pytest.raises(SystemExit, match="RASA_MODEL_PULL_SECONDS"):
        endpoints_config({"RASA_MODEL_SERVER_URL": "http://m/x.tar.gz",
                          "RASA_MODEL_PULL_SECONDS": value})


@pytest.mark.timeout(600)
def test_rasa_loads_its_model_from_the_model_server_and_answers(tmp_path: Path):
    """A real Rasa, started by the launcher, with the trained model served over HTTP only."""
    subprocess.run([str(ROOT / "bin" / "train")], cwd=ROOT, check=True)
    fetched: list[tuple[str, int]] = []
    etag = f'"{(ROOT / "models" / "atl311.tar.gz").stat().st_mtime_ns}"'

    class Models(SimpleHTTPRequestHandler):
        """A file server that, like nginx or an object store, sends an ETag and answers 304
        to a matching If-None-Match (Rasa loads a model only when the ETag is new)."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(ROOT / "models"), **kwargs)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.headers.get("If-None-Match") == etag:
                fetched.append((self.path, 304))
                self.send_response(304)
                self.end_headers()
                return
            fetched.append((self.path, 200))
            super().do_GET()

        def end_headers(self) -> None:
            self.send_header("ETag", etag)
            super().end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = free_port()
    env = {**os.environ, "RASA_PORT": str(port), "RASA_AUTH_TOKEN": "model-server-test",
           "RASA_WEBHOOK_TOKEN": "model-server-webhook-secret",
           "RASA_MODEL": str(tmp_path / "absent.tar.gz"),  # must not be what is loaded
           "RASA_MODEL_SERVER_URL":
               f"http://127.0.0.1:{server.server_address[1]}/atl311.tar.gz",
           "RASA_MODEL_PULL_SECONDS": "1",
           "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.sqlite3'}",
           "RASA_RUNTIME_DIR": str(tmp_path), "RASA_TELEMETRY_ENABLED": "false"}
    env.pop("REDIS_URL", None)
    log = tmp_path / "rasa.log"
    with open(log, "wb") as out:
        rasa = subprocess.Popen([str(ASSISTANT_BIN / "python"), "-m", "bot.serve_rasa"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        def loaded() -> bool:
            assert rasa.poll() is None, log.read_text()[-3000:]
            try:
                status = requests.get(f"{base}/status", params={"token": "model-server-test"},
                                      timeout=5)
            except requests.ConnectionError:
                return False
            return status.status_code == 200 and bool(status.json().get("model_id"))

        wait_for(loaded, RASA_START_TIMEOUT, "Rasa with the model from the model server")
        parsed = requests.post(f"{base}/model/parse", params={"token": "model-server-test"},
                               json={"text": "there is a pothole at 55 Trinity Ave SW"},
                               timeout=30).json()
        assert parsed["intent"]["name"] == "report_pothole"
        assert fetched[0] == ("/atl311.tar.gz", 200)
        # It asks again with the model's ETag and is told nothing changed: no reload.
        wait_for(lambda: ("/atl311.tar.gz", 304) in fetched, 60, "Rasa asking the server again")
    finally:
        rasa.terminate()
        rasa.wait(timeout=60)
        server.shutdown()
        server.server_close()
