"""No Open311 answer ever shows a requester's or follower's name, email, phone or account."""

from __future__ import annotations

from sqlalchemy import select

from casestore.cases import create_case
from casestore.catalog import get_catalog
from casestore.followers import add_follower
from casestore.models import Case
from tests.fixtures.open311 import BASE, file_request, session_for

# Distinctive enough that any appearance in a response is a leak.
NEEDLES = [
    "quentinella", "zyxwander", "qz.private.person", "555-0142", "5550142",
    "987654321", "acct-zz-77", "device-zz-88", "follower.secret", "555-0199", "5550199",
]


def _file_private_cases(o311, app) -> list[str]:
    numbers = [
        file_request(o311, first_name="Quentinella", last_name="Zyxwander",
                     email="qz.private.person@example.com", phone="404-555-0142",
                     account_id="acct-zz-77", device_id="device-zz-88",
                     media_url="https://img.example.com/c.jpg"),
        file_request(o311, service_code="graffiti", first_name="Quentinella",
                     email="QZ.Private.Person@example.com", address_string="1 Peachtree St NE",
                     lat="", long=""),
    ]
    with session_for(app) as session:
        case, _ = create_case(session, get_catalog(), {
            "service_code": "general_inquiry", "description": "Question about trash day",
            "address": "20 Auburn Ave NE", "channel": "telegram",
            "requester": {"name": "Quentinella Zyxwander", "phone": "+14045550142",
                          "channel_address": "telegram:987654321"},
        })
        add_follower(session, case, {"email": "follower.secret@example.com",
                                     "phone": "404-555-0199"})
        numbers.append(case.number)
    return numbers


def _public_urls(o311, app, numbers: list[str]) -> list[str]:
    with session_for(app) as session:
        tokens = session.execute(
            select(Case.open311_token).where(Case.number.in_(numbers))).scalars().all()
    urls = []
    for fmt in ("xml", "json"):
        urls += [
            f"{BASE}/discovery.{fmt}",
            f"{BASE}/services.{fmt}",
            f"{BASE}/services/pothole.{fmt}",
            f"{BASE}/requests.{fmt}",
            f"{BASE}/requests.{fmt}?extensions=true",
            f"{BASE}/requests.{fmt}?extensions=true&service_request_id={','.join(numbers)}",
            f"{BASE}/servicerequestupdates.{fmt}",
        ]
        urls += [f"{BASE}/requests/{n}.{fmt}?extensions=true" for n in numbers]
        urls += [f"{BASE}/tokens/{t}.{fmt}" for t in tokens]
    return urls


def test_no_get_response_contains_requester_or_follower_data(o311, open311_app):
    numbers = _file_private_cases(o311, open311_app)
    with session_for(open311_app) as session:
        names = session.execute(
            select(Case.requester_name).where(Case.number.in_(numbers))).scalars().all()
    assert "Quentinella Zyxwander" in names  # the data is there to leak
    urls = _public_urls(o311, open311_app, numbers)
    checked = 0
    for url in urls:
        response = o311.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True).lower()
        leaks = [needle for needle in NEEDLES if needle in body]
        assert leaks == [], f"{url} shows {leaks}"
        checked += 1
    assert checked == len(urls) >= 20
    # The answers did include the requests themselves, so the check looked at real records.
    listing = o311.get(f"{BASE}/requests.json?service_request_id={','.join(numbers)}")
    assert sorted(r["service_request_id"] for r in listing.get_json()) == sorted(numbers)


def test_the_post_answer_does_not_echo_the_requester(o311):
    response = o311.post(f"{BASE}/requests.json", data={
        "api_key": "open311-test-key-1", "service_code": "general_inquiry",
        "address_string": "1 Main St", "first_name": "Quentinella", "last_name": "Zyxwander",
        "email": "qz.private.person@example.com", "phone": "404-555-0142",
        "account_id": "acct-zz-77",
    })
    assert response.status_code == 201
    body = response.get_data(as_text=True).lower()
    assert [needle for needle in NEEDLES if needle in body] == []
    assert response.get_json()[0]["account_id"] is None


def test_a_refused_post_does_not_echo_bad_contact_details(o311):
    response = o311.post(f"{BASE}/requests.xml", data={
        "api_key": "open311-test-key-1", "service_code": "general_inquiry",
        "address_string": "1 Main St", "email": "quentinella@@zyxwander", "phone": "555-0142x9",
    })
    assert response.status_code == 400
    body = response.get_data(as_text=True).lower()
    assert "quentinella" not in body and "zyxwander" not in body and "555-0142" not in body
    assert "email: is not a valid email address" in body
