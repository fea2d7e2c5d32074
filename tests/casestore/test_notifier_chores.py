"""The notifier loop runs the chores the command composing it gives it, and names none itself.

The loop stops the way an operator stops it, by SIGTERM: the last chore sends
it to this process, so the pass it ran in is the last one.
"""

from __future__ import annotations

import os
import signal

import pytest

from casestore.migrate import upgrade_database
from casestore.notifier import run_notifier
from tests.fixtures.casestore import build_app


@pytest.fixture()
def app(make_database_url, tmp_path):
    url = make_database_url("chores")
    upgrade_database(url)
    made = build_app(url, str(tmp_path))
    yield made
    made.extensions["casestore.engine"].dispose()


@pytest.fixture()
def keep_signal_handlers():
    """run_notifier installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_each_pass_runs_the_given_chores_in_order_and_a_failing_one_does_not_end_it(
        app, keep_signal_handlers):
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("a chore that fails")

    def last() -> None:
        ran.append("last")
        os.kill(os.getpid(), signal.SIGTERM)

    with app.app_context():
        sent = run_notifier(chores=[broken, last])
    assert (sent, ran) == (0, ["broken", "last"])


def test_a_single_pass_runs_no_chores(app):
    ran: list[str] = []
    with app.app_context():
        assert run_notifier(once=True, chores=[lambda: ran.append("chore")]) == 0
    assert ran == []
