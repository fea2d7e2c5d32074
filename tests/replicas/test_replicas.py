"""Two replicas of every process behind HAProxy; one of each killed under traffic.

Marker ``faults``, production profile only (TEST_DATABASE=postgresql): two case
stores, two channels apps (public and internal each), two Rasa servers, two
action servers and a notifier behind HAProxy (deploy/haproxy/haproxy.cfg) on
PostgreSQL and Redis (tests/replicas/cluster.py). Residents write on web chat,
signed SMS, signed voice, Telegram and signed Messenger while replica ``a`` of each kind is
SIGKILLed in turn and left down. Then the ledger: every message stored and
answered, reaching Rasa in the order it was sent; every confirmed report filed
once; every notice delivered once. Timings are figures (bench/replicas.py), not
assertions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.faults.rig import Ledger
from tests.fixtures.database import database_profile
from tests.replicas.cluster import KINDS, haproxy_binary, run_kill_one, running_cluster

pytestmark = [pytest.mark.faults, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Iterator[Ledger]:
    """Run the cluster and the kills once for the module; hand every test the ledger."""
    if database_profile() != "postgresql":
        pytest.skip("the replica test runs on the production profile (TEST_DATABASE=postgresql)")
    if haproxy_binary() is None:
        pytest.skip("the replica test needs HAProxy: apt-get install haproxy")
    admin_url = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    with running_cluster(tmp_path_factory.mktemp("replicas"), admin_url) as cluster:
        result = run_kill_one(cluster)
    print("\n".join(result.lines()))
    yield result


def test_residents_wrote_on_every_channel(ledger):
    assert sorted(ledger.by_channel) == ["messenger", "sms", "telegram", "voice", "webchat"]


def test_one_replica_of_each_kind_was_killed_and_the_service_went_on(ledger):
    assert [(f.name, f.how) for f in ledger.faults] == [
        (f"{kind}-a", "SIGKILL, left down; the other replica serves") for kind in KINDS]


def test_every_inbound_message_is_stored(ledger):
    assert ledger.inbound["lost"] == 0, ledger.problems


def test_every_stored_message_is_answered(ledger):
    assert ledger.inbound["unanswered"] + ledger.inbound["dead-lettered"] == 0, ledger.problems


def test_every_conversation_reached_rasa_in_order(ledger):
    assert ledger.turns["in order"] > 0
    assert ledger.turns["out of order"] + ledger.turns["missing turn"] == 0, ledger.problems


def test_every_confirmed_report_is_filed_once(ledger):
    assert ledger.reports["confirmed"] > 0
    assert ledger.reports["missing"] + ledger.reports["doubled"] == 0, ledger.problems
    assert ledger.reports["filed unconfirmed"] == 0, ledger.problems


def test_every_notice_is_delivered_once(ledger):
    assert ledger.notices["queued"] > 0
    assert ledger.notices["undelivered"] + ledger.notices["missing"] == 0, ledger.problems
    assert ledger.notices["doubled"] == 0, ledger.problems
