"""Rasa's own logging set-up, replaced by bot/logs.py, writes one JSON object per line.

Rasa's CLI (``rasa.__main__.main``) calls, in this order, the three set-ups
run here after ``rasa_logging``; then a structlog event, a standard-library
record, a Sanic app's record and a Python warning each come out as JSON on
stderr, and nothing on stdout. (Starting the whole Rasa server for this takes
over a minute; the end-to-end stack runs it with the same module.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.serve_rasa import command, launch_command
from tests.fixtures.envs import bin_dir

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
import logging, warnings, structlog
from bot.logs import rasa_logging
rasa_logging("json")
import rasa.__main__, rasa.utils.io
from rasa.utils.common import configure_logging_and_warnings
configure_logging_and_warnings(None, None, warn_only_once=True, filter_repeated_logs=True)
rasa.utils.io.configure_colored_logging(None)
rasa.__main__.configure_structlog(None)
structlog.get_logger().info("rasa.test.event", event_info="structlog")
logging.getLogger("rasa.core.test").info("standard library")
from sanic import Sanic
from sanic.log import error_logger
Sanic("test_app")
error_logger.propagate = False  # as Rasa's update_sanic_log_level leaves it
error_logger.error("sanic")
warnings.warn("a warning", UserWarning)
"""


@pytest.fixture(scope="module")
def done() -> subprocess.CompletedProcess:
    """The script run once (importing Rasa takes seconds)."""
    return subprocess.run([str(bin_dir("assistant") / "python"), "-c", SCRIPT], cwd=REPO,
                          env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "INFO"},
                          capture_output=True, text=True, timeout=300, check=False)


def test_rasas_records_come_out_as_json_lines_on_stderr_only(done):
    assert done.returncode == 0, done.stderr[-3000:]
    records = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(r["logger"], r["event"]) for r in records if r["logger"] != "py.warnings"] == [
        ("__main__", "rasa.test.event"), ("rasa.core.test", "standard library"),
        ("sanic.error", "sanic")]
    assert done.stdout == ""


def test_a_python_warning_is_a_json_line_too(done):
    records = [json.loads(line) for line in done.stderr.splitlines()]
    assert [r["level"] for r in records
            if r["logger"] == "py.warnings" and "UserWarning: a warning" in r["event"]] == [
        "warning"]


def test_rasas_structlog_fields_stay_fields(done):
    records = [json.loads(line) for line in done.stderr.splitlines()]
    [event] = [r for r in records if r["event"] == "rasa.test.event"]
    assert (event["event_info"], event["level"]) == ("structlog", "info")


def test_the_launcher_runs_rasa_through_the_logging_module_by_default(tmp_path):
    env = {"RASA_AUTH_TOKEN": "x" * 20}
    argv = launch_command(env, tmp_path / "endpoints.yml")
    assert argv == [sys.executable, "-m", "bot.logs",
                    *command(env, tmp_path / "endpoints.yml")[1:]]


def test_with_text_logs_the_launcher_runs_rasa_itself(tmp_path):
    env = {"RASA_AUTH_TOKEN": "x" * 20, "LOG_FORMAT": "text"}
    assert launch_command(env, tmp_path / "e.yml") == command(env, tmp_path / "e.yml")
