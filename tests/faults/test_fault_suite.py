"""The fault-injection suite (marker ``faults``; the production profile only).

The whole service runs from the Procfile under supervisord on PostgreSQL and
Redis while residents keep writing on web chat, SMS, voice and Telegram; each
fault in ``tests.faults.rig`` is applied in turn (kill -9 of every process,
PostgreSQL and Redis away, the SMTP server stopped, Twilio's API hanging).
Then the ledger: nothing lost, nothing doubled. No timing thresholds: the
recovery times are figures (``bench/faults.py`` prints them), not assertions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.faults.rig import Ledger, run_suite, running_rig
from tests.fixtures.database import database_profile

pytestmark = [pytest.mark.faults, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Iterator[Ledger]:
    """Run the suite once for the module and hand every test its ledger."""
    if database_profile() != "postgresql":
        pytest.skip("the fault suite runs on the production profile (TEST_DATABASE=postgresql)")
    admin_url = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    with running_rig(tmp_path_factory.mktemp("faults"), admin_url) as rig:
        result = run_suite(rig)
    print("\n".join(result.lines()))
    yield result


def test_residents_wrote_on_every_channel_through_every_fault(ledger):
    assert sorted(ledger.by_channel) == ["sms", "telegram", "voice", "webchat"]
    assert [f.name for f in ledger.faults if f.how == "did not recover"] == []


def test_every_inbound_message_is_stored(ledger):
    assert ledger.inbound["lost"] == 0, ledger.problems


def test_every_stored_message_is_answered(ledger):
    assert ledger.inbound["unanswered"] == 0, ledger.problems


def test_every_confirmed_report_is_filed(ledger):
    assert ledger.reports["missing"] == 0, ledger.problems


def test_no_report_is_filed_twice(ledger):
    assert ledger.reports["doubled"] == 0, ledger.problems


def test_every_notice_is_delivered_or_dead_lettered(ledger):
    assert ledger.notices["undelivered"] + ledger.notices["missing"] == 0, ledger.problems


def test_no_notice_is_delivered_twice(ledger):
    assert ledger.notices["doubled"] == 0, ledger.problems
