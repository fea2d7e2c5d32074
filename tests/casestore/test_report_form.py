"""The resident web form /report through Flask's test client: what it files, what it refuses.

One app per module with the minimum fill time at 0 (the too-fast test raises it); each
test reports at its own address, so no test sees another's case as a nearby duplicate.
"""

from __future__ import annotations

import io
import os
import random
import re
import uuid

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from casestore.auth import hash_password
from casestore.migrate import upgrade_database
from casestore.models import Case, Follower, OutboxMessage, Photo, Resident, utcnow
from tests.fixtures.casestore import build_app, count, session_for
from tests.fixtures.portal import PortalClient, new_case, unique_email

POTHOLE = {"attr_size": "large", "attr_in_travel_lane": "yes"}
_STARTED = re.compile(r'name="started" type="hidden" value="([^"]+)"')


@pytest.fixture(scope="module")
def app(make_database_url, tmp_path_factory):
    url = make_database_url("report")
    upgrade_database(url)
    app = build_app(url, str(tmp_path_factory.mktemp("report-var")), REPORT_MIN_FILL_SECONDS=0)
    yield app
    app.extensions["casestore.engine"].dispose()


class FormClient(PortalClient):
    """A browser without JavaScript: opens the form, then sends it with its hidden fields."""

    def send(self, fields: dict, service: str = "pothole", headers: dict | None = None,
             files: dict | None = None, started: bool = True):
        self.get(f"/report/{service}", headers=headers)
        body = {"csrf_token": self.csrf()[1], **fields, **(files or {})}
        if started:
            body["started"] = _STARTED.search(self.last_html).group(1)
        response = self.http.post(f"/report/{service}", data=body, headers=headers,
                                  content_type="multipart/form-data")
        self.last_html = response.get_data(as_text=True)
        return response


# Every house number once per test run: two tests at one address would meet the
# form's "already reported here?" step (random numbers collided once in a CI run).
_HOUSES = iter(random.Random(uuid.uuid4().int).sample(range(1000, 10000), 9000))


def an_address() -> str:
    """A street address no other test reports at."""
    return f"{next(_HOUSES)} Memorial Dr SE"


def case_at(app, address: str) -> Case | None:
    with session_for(app) as session:
        return session.execute(select(Case).where(Case.address == address)).scalar_one_or_none()


def jpeg_bytes(gps: bool = False) -> bytes:
    """A small JPEG; ``gps``: with the position a phone writes (33.7405, -84.3712)."""
    exif = Image.Exif()
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update({
            ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (33.0, 44.0, 25.8),
            ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (84.0, 22.0, 16.32)})
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_the_service_list_is_grouped_by_department_in_the_residents_language(app):
    client = FormClient(app)
    html = client.get("/report?q=bache", headers={"Accept-Language": "es"}).get_data(as_text=True)
    groups = re.findall(r'<h3 id="dept-(\w+)">([^<]+)</h3>', html)
    services = re.findall(r'<li data-words="[^"]*"><a href="([^"]+)">([^<]+)</a>', html)
    assert groups == [("ATLDOT", "Departamento de Transporte de Atlanta")]
    assert services == [("/report/pothole", "Bache")]


def test_a_search_matches_keywords_in_any_language_case_and_accents_aside(app):
    client = FormClient(app)
    english = client.get("/report?q=POT+hole").get_data(as_text=True)
    spanish_word = client.get("/report?q=báche").get_data(as_text=True)
    pick = re.compile(r'<li data-words="[^"]*"><a href="/report/(\w+)">')
    assert pick.findall(english) == ["pothole"]
    assert pick.findall(spanish_word) == ["pothole"]


def test_the_form_files_the_case_with_service_answers_place_contact_and_language(app):
    address, email = an_address(), unique_email()
    response = FormClient(app).send(
        {**POTHOLE, "address": address, "description": "Deep hole by the bus stop",
         "email": email, "phone": "404-555-0123"}, headers={"Accept-Language": "es"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/report/filed"
    case = case_at(app, address)
    assert (case.service_code, case.department, case.channel, case.language) == \
        ("pothole", "ATLDOT", "web_form", "es")
    assert case.attributes == {"size": "large", "in_travel_lane": "yes"}
    assert (case.description, case.requester_email, case.requester_phone) == \
        ("Deep hole by the bus stop", email, "+14045550123")


def test_several_answers_are_checkboxes_and_all_are_filed(app):
    address = an_address()
    client = FormClient(app)
    client.get("/report/bulk_pickup")
    boxes = re.findall(r'<input id="attr_items-\d" name="attr_items" type="checkbox" '
                       r'value="(\w+)">', client.last_html)
    client.send({"attr_items": ["furniture", "mattress"], "address": address},
                service="bulk_pickup")
    assert boxes == ["furniture", "appliance", "mattress", "other"]
    assert case_at(app, address).attributes == {"items": ["furniture", "mattress"]}


def test_a_required_checkbox_question_needs_one_box_ticked(app):
    client = FormClient(app)
    response = client.send({"address": an_address()}, service="bulk_pickup")
    assert response.status_code == 422
    assert re.findall(r'<div class="error-summary".*?<li><a href="(#[\w-]+)">([^<]+)</a>',
                      client.last_html, re.S) == [("#attr_items-0", "Answer this question.")]


def test_a_number_answer_is_filed_as_a_number_and_a_private_service_shows_no_neighbours(app):
    address = an_address()
    new_case(app, "encampment", address=address, attributes={"distress": "no"})
    response = FormClient(app).send({"attr_people_count": "3", "attr_distress": "no",
                                     "address": address}, service="encampment")
    assert response.status_code == 303  # straight to filed: no nearby page for a person
    with session_for(app) as session:
        answers = session.execute(select(Case.attributes).where(Case.address == address)
                                  .order_by(Case.id)).scalars().all()
    assert answers == [{"distress": "no"}, {"people_count": 3.0, "distress": "no"}]


def test_the_confirmation_page_gives_the_case_number_and_expected_date(app):
    client, address = FormClient(app), an_address()
    client.send({**POTHOLE, "address": address})
    html = client.get("/report/filed").get_data(as_text=True)
    case = case_at(app, address)
    number = f"{case.number[:2]}-{case.number[2:]}"
    expected = case.expected_at.astimezone(app_timezone()).strftime("%b %-d, %Y")
    assert re.search(r'<p class="case-number">([^<]+)</p>', html).group(1) == number
    assert re.search(r"<dt>Expected by</dt><dd>([^<]+)</dd>", html).group(1) == expected


def app_timezone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")


def test_the_opened_email_is_queued_for_the_requester(app):
    address, email = an_address(), unique_email()
    FormClient(app).send({**POTHOLE, "address": address, "email": email})
    case = case_at(app, address)
    with session_for(app) as session:
        rows = session.execute(select(OutboxMessage.event, OutboxMessage.transport,
                                      OutboxMessage.recipient)
                               .where(OutboxMessage.case_id == case.id)).all()
    assert [tuple(r) for r in rows] == [("opened", "email", email)]


def test_a_signed_in_residents_email_is_filled_in(app):
    email = unique_email()
    with session_for(app) as session:
        session.add(Resident(email=email, password_hash=hash_password("resident password 1"),
                             email_confirmed_at=utcnow()))
        session.commit()
    client = FormClient(app)
    client.submit("/account/login", {"email": email, "password": "resident password 1"},
                  page="/account/login")
    html = client.get("/report/pothole").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="email"[^>]*value="([^"]*)"', html).group(1) == email


def test_a_required_answer_left_out_is_asked_for_with_the_answers_kept(app):
    before = count(app)
    address = an_address()
    client = FormClient(app)
    response = client.send({"attr_in_travel_lane": "no", "address": address})
    html = client.last_html
    assert response.status_code == 422
    assert re.findall(r'<div class="error-summary".*?<li><a href="(#[\w-]+)">([^<]+)</a>', html,
                      re.S) == [("#attr_size-0", "Answer this question.")]
    assert " checked " in re.search(r'<input[^>]*id="attr_in_travel_lane-1"[^>]*>', html).group(0)
    assert f'value="{address}"' in html
    assert count(app) == before


def test_the_questions_and_their_errors_are_in_the_residents_language(app):
    client = FormClient(app)
    client.send({"address": an_address()}, headers={"Accept-Language": "es"})
    legends = re.findall(r"<legend>([^<]+)<span", client.last_html)
    errors = re.findall(r'<p class="error" id="(\w+)-error">([^<]+)</p>', client.last_html)
    assert legends == ["¿Qué tan grande es el bache? ",
                       "¿Está en un carril por donde pasan los carros? "]
    assert errors == [("attr_size", "Responda esta pregunta."),
                      ("attr_in_travel_lane", "Responda esta pregunta.")]


def test_a_report_with_no_place_is_asked_for_one(app):
    before = count(app)
    client = FormClient(app)
    response = client.send(POTHOLE)
    assert response.status_code == 422
    assert re.findall(r'<p class="error" id="address-error">([^<]+)</p>', client.last_html) == \
        ["Type the address or place, or put a pin on the map, or use your location."]
    assert count(app) == before


def test_a_broken_map_position_is_told_at_the_address(app):
    before = count(app)
    client = FormClient(app)
    response = client.send({**POTHOLE, "lat": "33.75", "long": "west",
                            "location_source": "resident_pin"})
    assert response.status_code == 422
    assert re.findall(r'<li><a href="(#[\w-]+)">([^<]+)</a>', client.last_html) == \
        [("#address", "The map position is not valid. Place it again or type the address.")]
    assert count(app) == before


def test_a_filled_honeypot_files_nothing_and_asks_politely_to_try_again(app):
    before = count(app)
    client = FormClient(app)
    response = client.send({**POTHOLE, "address": an_address(), "website": "http://spam.example"})
    assert response.status_code == 400
    assert re.search(r'<h2 id="error-summary-title">([^<]+)</h2>', client.last_html).group(1) == \
        "Sorry, we could not take your report this time. Please check it and send it again."
    assert count(app) == before


def test_a_form_sent_too_fast_files_nothing_and_asks_politely_to_try_again(app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_MIN_FILL_SECONDS", 3600)
    before = count(app)
    client = FormClient(app)
    response = client.send({**POTHOLE, "address": an_address()})
    assert response.status_code == 400
    assert re.search(r'<h2 id="error-summary-title">([^<]+)</h2>', client.last_html).group(1) == \
        "Sorry, we could not take your report this time. Please check it and send it again."
    assert count(app) == before


def test_a_form_without_its_started_token_files_nothing(app):
    before = count(app)
    response = FormClient(app).send({**POTHOLE, "address": an_address()}, started=False)
    assert response.status_code == 400
    assert count(app) == before


def test_a_post_without_csrf_token_is_refused(app):
    before = count(app)
    client = FormClient(app)
    client.get("/report/pothole")
    started = _STARTED.search(client.last_html).group(1)
    response = client.http.post("/report/pothole", data={**POTHOLE, "address": an_address(),
                                                          "started": started})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert count(app) == before


def test_a_place_outside_the_city_gets_a_clear_answer_with_the_citys_phone(app):
    before = count(app)
    client = FormClient(app)
    response = client.send({**POTHOLE, "lat": "34.0522", "long": "-84.0000",
                            "location_source": "resident_pin"})
    assert response.status_code == 422
    assert re.search(r'<p class="outside" id="outside-city">([^<]+)</p>', client.last_html) \
        .group(1) == ("This place is outside the City of Atlanta, so the City cannot take a "
                      "report about it. If you are not sure, call 311 or 404-546-0311 (outside "
                      "the city).")
    assert count(app) == before


def test_a_pin_inside_the_city_files_the_point_and_where_it_came_from(app):
    lat, long = 33.7541 + uuid.uuid4().int % 1000 / 1e6, -84.3902
    FormClient(app).send({**POTHOLE, "lat": str(lat), "long": str(long),
                          "location_source": "resident_pin"})
    with session_for(app) as session:
        case = session.execute(select(Case).where(Case.lat == lat)).scalar_one()
    assert (case.lat, case.long, case.location_source, case.address) == \
        (lat, long, "resident_pin", None)


def test_open_cases_of_the_service_at_the_place_are_shown_before_filing(app):
    address = an_address()
    earlier = new_case(app, address=address)
    before = count(app)
    client = FormClient(app)
    response = client.send({**POTHOLE, "address": address, "email": unique_email()})
    assert response.status_code == 200
    assert re.findall(r'<input[^>]*name="case"[^>]*value="(\d+)"', client.last_html) == [earlier]
    assert count(app) == before


def test_following_a_nearby_case_instead_adds_the_resident_and_files_nothing(app):
    address, email = an_address(), unique_email()
    earlier = new_case(app, address=address)
    client = FormClient(app)
    client.send({**POTHOLE, "address": address, "email": email})
    before = count(app)
    body = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', client.last_html))
    response = client.http.post("/report/pothole/follow",
                                data={**body, "case": earlier, "email": email})
    assert response.status_code == 303
    assert response.headers["Location"] == "/report/followed"
    with session_for(app) as session:
        followers = session.execute(select(Follower.email).join(Case)
                                    .where(Case.number == earlier)).scalars().all()
    assert followers == [email]
    assert count(app) == before


def test_sending_anyway_after_seeing_nearby_cases_files_the_report(app):
    address = an_address()
    new_case(app, address=address)
    client = FormClient(app)
    client.send({**POTHOLE, "address": address})
    body = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', client.last_html))
    response = client.http.post("/report/pothole", data={**body, "email": ""})
    assert response.status_code == 303
    with session_for(app) as session:
        filed = session.execute(select(Case.channel).where(Case.address == address)
                                .order_by(Case.id)).scalars().all()
    assert filed == ["web_form", "web_form"]


def test_a_photo_is_stored_and_given_to_the_case(app):
    address = an_address()
    FormClient(app).send({**POTHOLE, "address": address},
                         files={"photos": [(io.BytesIO(jpeg_bytes()), "hole.jpg", "image/jpeg")]})
    case = case_at(app, address)
    with session_for(app) as session:
        photos = session.execute(select(Photo.token, Photo.source)
                                 .where(Photo.case_id == case.id)).all()
    assert [(f"media:{token}", source) for token, source in photos] == \
        [(case.media_urls[0], "form")]


def test_a_phone_sized_photo_over_the_usual_request_limit_is_taken(app):
    address = an_address()
    big = io.BytesIO()
    Image.frombytes("RGB", (1200, 1200), os.urandom(1200 * 1200 * 3)).save(big, "JPEG",
                                                                           quality=95)
    assert big.tell() > app.config["MAX_CONTENT_LENGTH"]
    response = FormClient(app).send({**POTHOLE, "address": address},
                                    files={"photos": [(io.BytesIO(big.getvalue()), "big.jpg",
                                                       "image/jpeg")]})
    assert response.status_code == 303
    assert len(case_at(app, address).media_urls) == 1


def test_photos_larger_together_than_the_form_takes_get_a_plain_answer(app, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_MAX_BYTES", 100_000)  # the form takes ~750 KB
    before = count(app)
    client = FormClient(app)
    response = client.send({**POTHOLE, "address": an_address()},
                           files={"photos": [(io.BytesIO(b"x" * 1_000_000), "big.jpg",
                                              "image/jpeg")]})
    assert response.status_code == 413
    assert re.search(r"<h1>([^<]+)</h1>", client.last_html).group(1) == \
        "The photos are too large"
    assert count(app) == before


def test_a_file_that_is_not_a_photo_is_refused_with_the_answers_kept(app):
    before = count(app)
    address = an_address()
    client = FormClient(app)
    response = client.send({**POTHOLE, "address": address},
                           files={"photos": [(io.BytesIO(b"%PDF-1.4 not a photo"), "bill.pdf",
                                              "application/pdf")]})
    assert response.status_code == 422
    assert re.findall(r'<p class="error" id="photos-error">([^<]+)</p>', client.last_html) == \
        ["Photo 1 is not a photo we can read (JPEG, PNG, WebP or HEIC)."]
    assert f'value="{address}"' in client.last_html
    assert count(app) == before


def test_a_photos_position_is_the_place_only_when_the_resident_ticks_the_box(app):
    before = count(app)
    client = FormClient(app)
    unticked = client.send(POTHOLE, files={"photos": [(io.BytesIO(jpeg_bytes(gps=True)),
                                                       "hole.jpg", "image/jpeg")]})
    assert (unticked.status_code, count(app)) == (422, before)
    ticked = client.send({**POTHOLE, "photo_location": "y", "nearby_checked": "1"},
                         files={"photos": [(io.BytesIO(jpeg_bytes(gps=True)), "hole.jpg",
                                            "image/jpeg")]})
    assert ticked.status_code == 303
    with session_for(app) as session:
        case = session.execute(select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()
    assert (round(case.lat, 4), round(case.long, 4), case.location_source, case.address) == \
        (33.7405, -84.3712, "device", None)


def test_a_photos_position_is_kept_through_the_nearby_check(app):
    earlier = new_case(app, lat=33.7405, long=-84.3712)
    client = FormClient(app)
    client.send({**POTHOLE, "photo_location": "y"},
                files={"photos": [(io.BytesIO(jpeg_bytes(gps=True)), "hole.jpg", "image/jpeg")]})
    assert earlier in re.findall(r'name="case"[^>]*value="(\d+)"', client.last_html)
    body = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', client.last_html)
    response = client.http.post("/report/pothole", data=MultiDict([*body, ("email", "")]))
    assert response.status_code == 303
    with session_for(app) as session:
        case = session.execute(select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()
    assert (round(case.lat, 4), case.location_source, len(case.media_urls)) == \
        (33.7405, "device", 1)


def test_more_than_five_photos_are_refused(app):
    before = count(app)
    client = FormClient(app)
    photos = [(io.BytesIO(jpeg_bytes()), f"p{i}.jpg", "image/jpeg") for i in range(6)]
    response = client.send({**POTHOLE, "address": an_address()}, files={"photos": photos})
    assert response.status_code == 422
    assert re.findall(r'<p class="error" id="photos-error">([^<]+)</p>', client.last_html) == \
        ["Choose at most 5 photos."]
    assert count(app) == before


def test_the_same_form_sent_twice_files_one_case(app):
    address = an_address()
    client = FormClient(app)
    client.get("/report/pothole")
    body = {**POTHOLE, "address": address, "csrf_token": client.csrf()[1],
            "started": _STARTED.search(client.last_html).group(1)}
    first = client.http.post("/report/pothole", data=body)
    second = client.http.post("/report/pothole", data={**body, "nearby_checked": "1"})
    assert (first.status_code, second.status_code) == (303, 303)
    with session_for(app) as session:
        assert len(session.execute(select(Case.id).where(Case.address == address)).all()) == 1


def test_following_needs_an_email_to_write_to(app):
    address = an_address()
    earlier = new_case(app, address=address)
    client = FormClient(app)
    client.send({**POTHOLE, "address": address})
    body = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', client.last_html))
    response = client.http.post("/report/pothole/follow", data={**body, "case": earlier})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.findall(r'<p class="error" id="email-error">([^<]+)</p>', html) == \
        ["Give your email, so we can tell you when the case changes."]
    with session_for(app) as session:
        assert session.execute(select(Follower.id).join(Case)
                               .where(Case.number == earlier)).all() == []


def test_an_unknown_service_is_not_found(app):
    assert FormClient(app).get("/report/no_such_service").status_code == 404


def test_the_same_form_sent_again_with_other_answers_files_nothing_new(app):
    address = an_address()
    client = FormClient(app)
    client.get("/report/pothole")
    body = {**POTHOLE, "address": address, "csrf_token": client.csrf()[1],
            "started": _STARTED.search(client.last_html).group(1)}
    client.http.post("/report/pothole", data=body)
    before = count(app)
    again = client.http.post("/report/pothole", data={**body, "nearby_checked": "1",
                                                       "description": "Now bigger"})
    assert again.status_code == 409
    assert re.search(r"<h1>([^<]+)</h1>", again.get_data(as_text=True)).group(1) == \
        "This form was already sent"
    assert count(app) == before


@pytest.fixture()
def limited_app(make_database_url, tmp_path):
    url = make_database_url(f"reportlimit{uuid.uuid4().hex[:6]}")
    upgrade_database(url)
    app = build_app(url, str(tmp_path), REPORT_MIN_FILL_SECONDS=0, RATELIMIT_ENABLED=True,
                    REPORT_RATE_LIMIT="2 per hour",
                    RATELIMIT_KEY_PREFIX=f"casestore-test-{uuid.uuid4().hex}")
    yield app
    app.extensions["casestore.engine"].dispose()


def test_a_client_posting_more_than_the_rate_limit_gets_429_and_files_nothing(limited_app):
    client = FormClient(limited_app)
    answers = [client.send({**POTHOLE, "address": an_address()}).status_code for _ in range(3)]
    assert answers == [303, 303, 429]
    assert count(limited_app) == 2
