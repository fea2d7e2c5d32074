"""One limiter on every anonymous path, keyed on the real client behind trusted proxies.

Limits here are "N per hour" so no test can straddle a window. Each test
speaks from its own client address, since tests of one module share an app.
On the production profile (``TEST_REDIS_URL`` set) the counters live in Redis.
"""

from __future__ import annotations

import os
import uuid
from itertools import count

import pytest
from sqlalchemy import select

from casestore.account.tokens import reopen_token
from casestore.migrate import upgrade_database
from casestore.models import Case
from tests.fixtures.casestore import SERVICE_TOKEN, ApiClient, build_app, file_case, session_for
from tests.fixtures.portal import PortalClient

REDIS_URL = os.environ.get("TEST_REDIS_URL")
_addresses = count(1)


def limited_app(make_database_url, var_dir: str, **config):
    """An app with every limit at 2 per hour and its own counters (fresh key prefix)."""
    url = make_database_url(f"limits{uuid.uuid4().hex[:6]}")
    upgrade_database(url)
    settings = {
        "RATELIMIT_ENABLED": True, "LOOKUP_RATE_LIMIT": "2 per hour",
        "OPEN311_LIST_RATE_LIMIT": "2 per hour", "ACCOUNT_ADDRESS_RATE_LIMIT": "2 per hour",
        "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": f"casestore-test-{uuid.uuid4().hex}",
    }
    settings.update(config)
    return build_app(url, var_dir, **settings)


@pytest.fixture(scope="module")
def app(make_database_url, tmp_path_factory):
    app = limited_app(make_database_url, str(tmp_path_factory.mktemp("limits")))
    yield app
    app.extensions["casestore.engine"].dispose()


@pytest.fixture(scope="module")
def closed_case(app) -> str:
    service = ApiClient(app, SERVICE_TOKEN)
    number = file_case(service)["case_number"]
    with session_for(app) as session:
        from casestore.activities import add_activity
        from casestore.authors import SYSTEM
        from casestore.catalog import get_catalog

        with app.app_context():
            case = session.execute(select(Case).where(Case.number == number)).scalar_one()
            add_activity(session, get_catalog(), case, "closed", author=SYSTEM,
                         reason="fixed", comments="Filled.")
    return number


def client_of(app):
    """A test client speaking from an address no other test uses."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.0.{next(_addresses)}.1"
    return client


def paths(app, number: str) -> dict[str, str]:
    with session_for(app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        token = case.open311_token
        with app.app_context():
            reopen = reopen_token(number, case.closed_at)
    return {
        "api case": f"/api/v1/cases/{number}",
        "api activities": f"/api/v1/cases/{number}/activities",
        "case page": f"/cases/{number}",
        "reopen page": f"/cases/{number}/reopen?token={reopen}",
        "open311 request json": f"/open311/v2/requests/{number}.json",
        "open311 request xml": f"/open311/v2/requests/{number}.xml",
        "open311 token": f"/open311/v2/tokens/{token}.json",
        "open311 list": f"/open311/v2/requests.json?service_request_id={number}",
        "open311 updates": "/open311/v2/servicerequestupdates.json",
        "open311 services": "/open311/v2/services.json",
        "open311 discovery": "/open311/v2/discovery.json",
        "open311 definition": "/open311/v2/services/pothole.json",
    }


@pytest.mark.parametrize("name", [
    "api case", "api activities", "case page", "reopen page", "open311 request json",
    "open311 request xml", "open311 token", "open311 list", "open311 updates",
    "open311 services", "open311 discovery", "open311 definition",
])
def test_each_anonymous_path_answers_429_after_its_limit(app, closed_case, name):
    client = client_of(app)
    path = paths(app, closed_case)[name]
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 429]


def test_the_api_answers_429_as_its_json_error(app, closed_case):
    client = client_of(app)
    for _ in range(2):
        client.get(f"/api/v1/cases/{closed_case}")
    response = client.get(f"/api/v1/cases/{closed_case}")
    assert response.status_code == 429
    assert response.get_json() == {"error": "rate_limited", "message": "2 per 1 hour"}
    assert response.headers["Retry-After"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_429_in_the_specification_error_format(app, closed_case, fmt):
    client = client_of(app)
    path = f"/open311/v2/requests/{closed_case}.{fmt}"
    for _ in range(2):
        client.get(path)
    response = client.get(path)
    assert response.status_code == 429
    if fmt == "json":
        assert response.get_json() == [{"code": 429, "description": "2 per 1 hour"}]
    else:
        assert ("<errors><error><code>429</code><description>2 per 1 hour</description>"
                "</error></errors>") in response.get_data(as_text=True)


def test_a_page_answers_429_with_the_too_many_requests_page(app, closed_case):
    client = client_of(app)
    for _ in range(2):
        client.get(f"/cases/{closed_case}")
    response = client.get(f"/cases/{closed_case}")
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_lookups_by_number_share_one_bucket_across_paths(app, closed_case):
    client = client_of(app)
    assert client.get(f"/api/v1/cases/{closed_case}").status_code == 200
    assert client.get(f"/open311/v2/requests/{closed_case}.json").status_code == 200
    assert client.get(f"/cases/{closed_case}").status_code == 429
    assert client.get(f"/api/v1/cases/{closed_case}/activities").status_code == 429


def test_the_service_token_is_not_limited_on_the_api(app, closed_case):
    service = ApiClient(app, SERVICE_TOKEN)
    service.client.environ_base["REMOTE_ADDR"] = "10.255.0.1"
    codes = {service.get(f"/api/v1/cases/{closed_case}").status_code for _ in range(5)}
    assert codes == {200}


def test_open311_refuses_more_ids_than_the_cap_in_the_specification_format(app):
    client = client_of(app)
    ids = ",".join(f"26{n:06d}" for n in range(51))
    response = client.get(f"/open311/v2/requests.json?service_request_id={ids}")
    assert response.status_code == 400
    assert response.get_json() == [
        {"code": 400, "description": "service_request_id lists at most 50 ids"}]


def test_the_limits_live_in_redis_when_it_is_configured(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == (REDIS_URL or "memory://")


# --- sign-up and password reset: per client and per address -----------------


def forgot(app, address: str, email: str):
    client = PortalClient(app)
    client.http.environ_base["REMOTE_ADDR"] = address
    return client.submit("/account/forgot", {"email": email}, page="/account/forgot")


def signup(app, address: str, email: str):
    client = PortalClient(app)
    client.http.environ_base["REMOTE_ADDR"] = address
    return client.submit("/account/signup", {"email": email, "password": "a long passphrase 1",
                                             "confirm": "a long passphrase 1"},
                         page="/account/signup")


@pytest.mark.parametrize("form", [forgot, signup])
def test_one_address_gets_at_most_the_limit_of_emails_from_any_number_of_clients(app, form):
    victim = f"victim.{uuid.uuid4().hex[:8]}@example.org"
    codes = [form(app, f"10.1.{next(_addresses)}.1", victim).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    other = f"other.{uuid.uuid4().hex[:8]}@example.org"
    assert form(app, f"10.1.{next(_addresses)}.1", other).status_code == 200


def test_password_reset_is_limited_per_client_too(app, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNT_RATE_LIMIT", "2 per hour")
    address = f"10.2.{next(_addresses)}.1"
    codes = [forgot(app, address, f"r{n}.{uuid.uuid4().hex[:6]}@example.org").status_code
             for n in range(3)]
    assert codes == [200, 200, 429]


# --- the client behind trusted proxies ---------------------------------------


def _two_clients_share_a_bucket(app, number: str) -> bool:
    """Client A spends the limit through the proxy; return whether client B is then refused."""
    def get(forwarded_for: str):
        return app.test_client().get(f"/api/v1/cases/{number}", headers={
            "X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.9.9.9"})

    assert [get("203.0.113.7").status_code for _ in range(2)] == [200, 200]
    assert get("203.0.113.7").status_code == 429
    return get("198.51.100.8").status_code == 429


def test_with_one_trusted_hop_clients_behind_the_proxy_have_their_own_buckets(
        make_database_url, tmp_path):
    proxied = limited_app(make_database_url, str(tmp_path), TRUSTED_PROXY_HOPS=1)
    number = file_case(ApiClient(proxied, SERVICE_TOKEN))["case_number"]
    assert _two_clients_share_a_bucket(proxied, number) is False
    proxied.extensions["casestore.engine"].dispose()


def test_with_no_trusted_hop_the_forwarded_header_is_ignored(make_database_url, tmp_path):
    direct = limited_app(make_database_url, str(tmp_path), TRUSTED_PROXY_HOPS=0)
    number = file_case(ApiClient(direct, SERVICE_TOKEN))["case_number"]
    assert _two_clients_share_a_bucket(direct, number) is True
    direct.extensions["casestore.engine"].dispose()


def test_with_one_trusted_hop_a_forged_first_entry_does_not_choose_the_bucket(
        make_database_url, tmp_path):
    proxied = limited_app(make_database_url, str(tmp_path), TRUSTED_PROXY_HOPS=1)
    number = file_case(ApiClient(proxied, SERVICE_TOKEN))["case_number"]
    web = proxied.test_client()
    # The client forges an entry; nginx appends the address it really saw.
    codes = [web.get(f"/api/v1/cases/{number}",
                     headers={"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.50"}).status_code
             for n in range(3)]
    assert codes == [200, 200, 429]
    proxied.extensions["casestore.engine"].dispose()


@pytest.mark.skipif(not REDIS_URL, reason="two workers share counters only through Redis")
def test_two_workers_share_one_bucket_through_redis(make_database_url, tmp_path):
    prefix = f"casestore-test-{uuid.uuid4().hex}"
    first = limited_app(make_database_url, str(tmp_path / "a"), RATELIMIT_KEY_PREFIX=prefix)
    number = file_case(ApiClient(first, SERVICE_TOKEN))["case_number"]
    second = build_app(first.config["DATABASE_URL"], str(tmp_path / "b"),
                       RATELIMIT_ENABLED=True, LOOKUP_RATE_LIMIT="2 per hour",
                       REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    assert first.test_client().get(f"/api/v1/cases/{number}").status_code == 200
    assert second.test_client().get(f"/api/v1/cases/{number}").status_code == 200
    assert first.test_client().get(f"/api/v1/cases/{number}").status_code == 429
    for each in (first, second):
        each.extensions["casestore.engine"].dispose()
