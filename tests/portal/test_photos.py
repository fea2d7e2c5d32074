"""Stored photos in the portal: thumbnails on the case page, staff-only copies, publishing.

Staff see every stored photo of a case they may see at ``/portal/media/<token>``;
the case page shows each by its thumbnail with a Make public / Make private
button (the same publishing flow as for links); the public copy at
``/media/<token>`` exists only while the photo is public.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from casestore.media import ingest, media_ref
from tests.fixtures.portal import PortalClient, make_portal_app, new_case

DOT_CLERK = "clerk.dot@atl311.example.org"  # ATLDOT: potholes
DPW_CLERK = "clerk.dpw@atl311.example.org"
LINK = "https://img.example.com/hole.jpg"


@pytest.fixture(scope="module")
def app(make_database_url, tmp_path_factory):
    made = make_portal_app(make_database_url("photos"), str(tmp_path_factory.mktemp("photos-var")))
    yield made
    made.extensions["casestore.engine"].dispose()


def _jpeg(size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 30)).save(out, "JPEG")
    return out.getvalue()


def _case_with_photo(app) -> tuple[str, str]:
    """A pothole with a link and a stored photo (photo 2); return (number, token)."""
    with app.test_request_context():
        token = ingest(_jpeg(), source="form").token
    return new_case(app, media_urls=[LINK, media_ref(token)]), token


def _signed_in(app, email: str = DOT_CLERK) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(email)
    return client


def test_the_case_page_shows_a_stored_photo_by_its_thumbnail_with_make_public(app):
    number, token = _case_with_photo(app)
    page = _signed_in(app).get(f"/portal/cases/{number}").get_data(as_text=True)
    assert (f'<a href="/portal/media/{token}"><img src="/portal/media/{token}/thumb" '
            f'alt="Photo 2 of case {number[:2]}-{number[2:]}" class="photo-thumb"></a>') in page
    assert f'action="/portal/cases/{number}/photos/2/visibility"' in page


def test_staff_see_a_private_photo_and_its_thumbnail(app):
    number, token = _case_with_photo(app)
    client = _signed_in(app)
    full = client.http.get(f"/portal/media/{token}")
    thumb = client.http.get(f"/portal/media/{token}/thumb")
    assert (full.status_code, full.mimetype, full.headers["Cache-Control"]) == (
        200, "image/jpeg", "private, max-age=3600")
    assert Image.open(io.BytesIO(full.get_data())).size == (640, 480)
    assert Image.open(io.BytesIO(thumb.get_data())).size == (320, 240)


def test_another_departments_staff_get_404_for_the_photo(app):
    _, token = _case_with_photo(app)
    assert _signed_in(app, DPW_CLERK).http.get(f"/portal/media/{token}").status_code == 404


def test_the_staff_copy_needs_a_sign_in(app):
    _, token = _case_with_photo(app)
    response = app.test_client().get(f"/portal/media/{token}")
    assert (response.status_code, response.location.split("?")[0]) == (302, "/portal/login")


def test_make_public_serves_the_public_copy_and_make_private_takes_it_back(app):
    number, token = _case_with_photo(app)
    client = _signed_in(app)
    public = app.test_client()
    client.submit(f"/portal/cases/{number}/photos/2/visibility", {"public": "1"},
                  page=f"/portal/cases/{number}")
    after_public = public.get(f"/media/{token}").status_code
    client.submit(f"/portal/cases/{number}/photos/2/visibility", {"public": "0"},
                  page=f"/portal/cases/{number}")
    assert (after_public, public.get(f"/media/{token}").status_code) == (200, 404)
