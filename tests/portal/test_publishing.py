"""The portal's "Make public" / "Make private" controls, and the console's staff view.

A resident's note (added information, a reopening reason) and each photo are
private until staff of the case's department (or agents, supervisors, admins)
publish them from the case page; each change is an internal timeline entry by
that staff member.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casestore.activities import add_activity
from casestore.authors import RESIDENT
from casestore.catalog import get_catalog
from casestore.livechat import service as livechat
from casestore.livechat.settings import livechat_settings
from casestore.models import Activity, Case, utcnow
from tests.fixtures.portal import PortalClient, make_portal_app, new_case, session_for

DOT_CLERK = "clerk.dot@atl311.example.org"  # ATLDOT: potholes
DPW_CLERK = "clerk.dpw@atl311.example.org"
AGENT = "agent@atl311.example.org"
NOTE = "Water is pooling in it since Monday"
PHOTO_1 = "https://api.twilio.com/Accounts/ACportal1/Messages/MM9/Media/ME1"
PHOTO_2 = "https://api.twilio.com/Accounts/ACportal1/Messages/MM9/Media/ME2"


@pytest.fixture(scope="module")
def app(make_database_url, tmp_path_factory):
    made = make_portal_app(make_database_url("publishing"),
                           str(tmp_path_factory.mktemp("publishing-var")),
                           LIVECHAT_HOURS="daily 00:00-24:00",
                           CHANNELS_INTERNAL_URL="http://127.0.0.1:9")
    yield made
    made.extensions["casestore.engine"].dispose()


def _case_with_note(app) -> tuple[str, int]:
    """A pothole with two photos and a resident's note; return (number, note id)."""
    number = new_case(app, media_urls=[PHOTO_1, PHOTO_2])
    with session_for(app) as session, app.app_context():
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        entry = add_activity(session, get_catalog(), case, "info_added", author=RESIDENT,
                             note=NOTE)
        return number, entry.id


def _signed_in(app, email: str = DOT_CLERK) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(email)
    return client


def _set(client: PortalClient, number: str, target: str, public: str):
    """Press a Make public / Make private button of the case page (target: entries/7, photos/1)."""
    return client.submit(f"/portal/cases/{number}/{target}/visibility", {"public": public},
                         page=f"/portal/cases/{number}")


def _public_page(app, number: str) -> str:
    return app.test_client().get(f"/cases/{number}").get_data(as_text=True)


def _log(app, number: str) -> list[tuple]:
    with session_for(app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        rows = session.execute(select(Activity).where(
            Activity.case_id == case.id, Activity.kind.in_(("made_public", "made_private")),
        ).order_by(Activity.id)).scalars()
        return [(a.kind, a.author_type, a.author_name, a.public, a.note, a.data) for a in rows]


def test_the_case_page_offers_make_public_for_the_residents_note_and_each_photo(app):
    number, entry = _case_with_note(app)
    page = _signed_in(app).get(f"/portal/cases/{number}").get_data(as_text=True)
    assert f'action="/portal/cases/{number}/entries/{entry}/visibility"' in page
    assert f'action="/portal/cases/{number}/photos/1/visibility"' in page
    assert f'action="/portal/cases/{number}/photos/2/visibility"' in page
    assert page.count(">Make public</button>") == 3
    assert ">Make private</button>" not in page


def test_a_note_made_public_appears_on_the_public_page(app):
    number, entry = _case_with_note(app)
    assert NOTE not in _public_page(app, number)
    client = _signed_in(app)
    response = _set(client, number, f"entries/{entry}", "1")
    assert (response.status_code, response.headers["Location"]) == (
        302, f"/portal/cases/{number}")
    assert NOTE in _public_page(app, number)
    page = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "The resident&#39;s note is now public." in page
    assert page.count(">Make private</button>") == 1


def test_a_note_made_private_again_leaves_the_public_page(app):
    number, entry = _case_with_note(app)
    client = _signed_in(app)
    _set(client, number, f"entries/{entry}", "1")
    _set(client, number, f"entries/{entry}", "0")
    assert NOTE not in _public_page(app, number)


def test_a_photo_made_public_appears_on_the_public_page_and_leaves_it_when_private(app):
    number, _ = _case_with_note(app)
    client = _signed_in(app)
    _set(client, number, "photos/2", "1")
    shown = _public_page(app, number)
    _set(client, number, "photos/2", "0")
    assert (PHOTO_2 in shown, PHOTO_1 in shown) == (True, False)
    assert PHOTO_2 not in _public_page(app, number)


def test_each_change_is_an_internal_entry_by_the_staff_member_without_the_note(app):
    number, entry = _case_with_note(app)
    client = _signed_in(app)
    _set(client, number, f"entries/{entry}", "1")
    _set(client, number, "photos/1", "1")
    _set(client, number, f"entries/{entry}", "0")
    assert _log(app, number) == [
        ("made_public", "staff", "Dana Clerk", False, "",
         {"activity_id": entry, "entry_kind": "info_added"}),
        ("made_public", "staff", "Dana Clerk", False, "", {"photo": 1}),
        ("made_private", "staff", "Dana Clerk", False, "",
         {"activity_id": entry, "entry_kind": "info_added"}),
    ]


def test_the_staff_timeline_shows_who_made_it_public(app):
    number, entry = _case_with_note(app)
    client = _signed_in(app)
    _set(client, number, "photos/2", "1")
    page = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    made = page[page.index('class="entry entry-made_public entry-internal"'):]
    made = made[:made.index("</li>")]
    assert "<strong>Made public</strong>" in made and "Dana Clerk" in made
    assert '<p class="entry-data">Photo 2</p>' in made


def test_a_clerk_of_another_department_gets_404_and_nothing_changes(app):
    number, entry = _case_with_note(app)
    other = _signed_in(app, DPW_CLERK)
    own = new_case(app, "missed_garbage", attributes={"pickup_day": "thursday",
                                                     "cart_out_by_7": "yes"})
    other.get(f"/portal/cases/{own}")  # a page of their own: a valid CSRF token
    _, token = other.csrf("note")
    for target in (f"entries/{entry}", "photos/1"):
        response = other.http.post(f"/portal/cases/{number}/{target}/visibility",
                                   data={"public": "1", "csrf_token": token})
        assert response.status_code == 404
    page = _public_page(app, number)
    assert (NOTE in page, PHOTO_1 in page) == (False, False)
    assert _log(app, number) == []


def test_an_agent_may_publish_any_departments_case(app):
    number, entry = _case_with_note(app)
    assert _set(_signed_in(app, AGENT), number, f"entries/{entry}", "1").status_code == 302
    assert [row[2] for row in _log(app, number)] == ["Alex Agent"]


def test_without_the_csrf_token_nothing_changes(app):
    number, entry = _case_with_note(app)
    client = _signed_in(app)
    response = client.http.post(f"/portal/cases/{number}/entries/{entry}/visibility",
                                data={"public": "1"})
    assert response.status_code == 400
    assert _log(app, number) == []


def test_a_value_other_than_0_or_1_is_refused(app):
    number, _ = _case_with_note(app)
    response = _set(_signed_in(app), number, "photos/1", "yes")
    assert response.status_code == 422
    assert "Choose Make public or Make private." in response.get_data(as_text=True)
    assert _log(app, number) == []


def test_a_staff_entry_has_no_make_public_button_and_is_refused(app):
    number, _ = _case_with_note(app)
    client = _signed_in(app)
    client.submit(f"/portal/cases/{number}/notes",
                  {"kind": "inspection", "note": "Internal crew remark"}, "note",
                  page=f"/portal/cases/{number}")
    with session_for(app) as session:
        staff_entry = session.execute(select(Activity.id).where(
            Activity.note == "Internal crew remark")).scalar_one()
    page = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert f"/entries/{staff_entry}/visibility" not in page
    response = _set(client, number, f"entries/{staff_entry}", "1")
    assert response.status_code == 422
    assert "Internal crew remark" not in _public_page(app, number)


# --- the live chat console gives agents the staff view ---------------------------


def _chat_lookup(app, number: str) -> str:
    with session_for(app) as session:
        chat, _ = livechat.open_chat(session, {"sender_id": f"sms:+1404555{number[-4:]}"},
                                     livechat_settings(), utcnow())
        chat_id = chat.id
    agent = _signed_in(app, AGENT)
    page = agent.get(f"/portal/live-chat/{chat_id}?case={number}").get_data(as_text=True)
    return page[page.index('class="lookup-result"'):page.index('id="file-heading"')]


def test_the_console_shows_an_agent_the_exact_address_of_a_block_precision_case(app):
    number = new_case(app, "missed_garbage", address="412 Boulevard SE Apt 3",
                      description="Cart skipped again",
                      attributes={"pickup_day": "thursday", "cart_out_by_7": "yes"})
    found = _chat_lookup(app, number)
    assert "412 BOULEVARD SE APT 3" in found and "400 BLOCK" not in found
    assert "Report: Cart skipped again" in found


def test_the_console_shows_an_agent_a_private_cases_department_and_address(app):
    number = new_case(app, "smoke_alarm", address="88 Privateplace Ave SW",
                      description="Need two alarms",
                      attributes={"alarm_count": 2, "tenure": "renter"})
    found = _chat_lookup(app, number)
    assert "88 PRIVATEPLACE AVE SW" in found
    assert "Atlanta Fire Rescue Department" in found
