"""Photos the case store keeps: upload, checks, EXIF, cases, publishing, serving.

``POST /api/v1/media`` decodes each upload (Pillow) and keeps a clean JPEG
without metadata and a thumbnail; a case takes the upload's ``media:<token>``
in ``media_urls``; ``/media/<token>`` serves only what staff made public.
The local media store is used (a folder under the test app's VAR_DIR); the S3
store is not exercised here (no S3-compatible server runs in the tests).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select, update

from casestore.media import ingest
from casestore.media.prune import PruneChore
from casestore.media.store import get_store
from casestore.models import Case, Photo, utcnow
from tests.fixtures.casestore import BASE_URL, count, file_case, new_case_body, session_for

MEDIA = "/api/v1/media"
OPEN311 = "/open311/v2/requests"
LINK = "https://img.example.com/hole.jpg"
# 33°44'25.8"N 84°22'16.32"W: the pothole on Boulevard SE of new_case_body.
GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (33.0, 44.0, 25.8),
       ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (84.0, 22.0, 16.32)}


def jpeg(size: tuple[int, int] = (64, 48), *, gps: bool = False, orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: EXIF with the maker, orientation and (``gps``) position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def upload(client, data: bytes, source: str = "sms", name: str = "photo.jpg"):
    """POST one file to /api/v1/media as the channels do."""
    return client.post(MEDIA, data={"photo": (io.BytesIO(data), name), "source": source},
                       content_type="multipart/form-data")


def uploaded(client, data: bytes | None = None) -> str:
    """Upload a photo and return its token (asserting 201)."""
    response = upload(client, data or jpeg())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def stored_files(app) -> list[str]:
    """The files in the app's local media folder."""
    folder = Path(app.config["VAR_DIR"]) / "media"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def stored_bytes(app, token: str, thumb: bool = False) -> bytes:
    """The bytes the media store keeps for a photo."""
    with session_for(app) as session:
        photo = session.execute(select(Photo).where(Photo.token == token)).scalar_one()
        return get_store().get(photo.thumb_key if thumb else photo.storage_key)


def photo_row(app, token: str) -> Photo:
    with session_for(app) as session:
        return session.execute(select(Photo).where(Photo.token == token)).scalar_one()


# --- upload -------------------------------------------------------------------------------

def test_an_upload_answers_201_with_its_id_and_ref(cs_service):
    response = upload(cs_service, jpeg())
    body = response.get_json()
    assert response.status_code == 201
    assert sorted(body) == ["id", "ref"]
    assert (len(body["id"]), body["ref"]) == (32, f"media:{body['id']}")


def test_an_upload_without_a_token_is_401_and_stores_nothing(cs_app, cs_client):
    files, rows = stored_files(cs_app), count(cs_app, Photo)
    response = upload(cs_client, jpeg())
    assert (response.status_code, response.get_json()["error"]) == (401, "unauthorized")
    assert (stored_files(cs_app), count(cs_app, Photo)) == (files, rows)


def test_a_file_that_is_not_an_image_is_refused_with_400_and_nothing_is_stored(cs_app,
                                                                               cs_service):
    files, rows = stored_files(cs_app), count(cs_app, Photo)
    response = upload(cs_service, b"%PDF-1.7 not a photo at all", name="photo.jpg")
    assert (response.status_code, response.get_json()) == (400, {
        "error": "not_an_image", "message": "The file is not a photo the case store can read.",
        "fields": {"photo": "The file is not a photo the case store can read."}})
    assert (stored_files(cs_app), count(cs_app, Photo)) == (files, rows)


def test_an_image_of_another_format_is_refused(cs_service):
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    response = upload(cs_service, out.getvalue(), name="photo.gif")
    assert (response.status_code, response.get_json()["message"]) == (
        400, "Only JPEG, PNG, WebP or HEIC photos are accepted.")


def test_a_photo_over_the_size_cap_is_refused_with_413_and_nothing_is_stored(
        cs_app, cs_service, monkeypatch):
    monkeypatch.setitem(cs_app.config, "MEDIA_MAX_BYTES", 1024 * 1024)
    files, rows = stored_files(cs_app), count(cs_app, Photo)
    response = upload(cs_service, b"\xff\xd8" + b"\0" * (1024 * 1024))
    assert (response.status_code, response.get_json()) == (413, {
        "error": "too_large", "message": "The photo is over 1 MB.",
        "fields": {"photo": "The photo is over 1 MB."}})
    assert (stored_files(cs_app), count(cs_app, Photo)) == (files, rows)


def test_a_body_far_over_the_size_cap_is_refused_with_413_before_it_is_read(
        cs_app, cs_service, monkeypatch):
    monkeypatch.setitem(cs_app.config, "MEDIA_MAX_BYTES", 1024 * 1024)
    response = upload(cs_service, b"\0" * (2 * 1024 * 1024))
    assert (response.status_code, response.get_json()) == (413, {
        "error": "too_large", "message": "The photo is over 1 MB."})


def test_other_api_bodies_keep_the_1_mib_limit(cs_service):
    response = cs_service.post("/api/v1/cases", data=b"{" + b" " * (1024 * 1024 + 1) + b"}",
                               content_type="application/json")
    assert (response.status_code, response.get_json()["message"]) == (
        413, "Request body is over 1 MiB.")


def test_an_unknown_source_is_refused(cs_service):
    response = upload(cs_service, jpeg(), source="fax")
    assert (response.status_code, response.get_json()["fields"]) == (400, {
        "source": "must be one of form, sms, whatsapp, telegram, messenger, open311, staff"})


# --- what is kept of a photo ----------------------------------------------------------------

def test_the_stored_photo_has_no_exif_and_no_position(cs_app, cs_service):
    token = uploaded(cs_service, jpeg(gps=True))
    kept = Image.open(io.BytesIO(stored_bytes(cs_app, token)))
    row = photo_row(cs_app, token)
    assert (kept.format, dict(kept.getexif()), sorted(kept.info)) == (
        "JPEG", {}, ["jfif", "jfif_density", "jfif_unit", "jfif_version"])
    assert (row.lat, row.long, row.is_public, row.case_id) == (None, None, False, None)


def test_the_position_is_kept_as_coordinates_only_when_the_resident_allowed_it(cs_app):
    with cs_app.test_request_context():
        photo = ingest(jpeg(gps=True), source="form", keep_location=True)
        kept = Image.open(io.BytesIO(get_store().get(photo.storage_key)))
    assert (photo.lat, photo.long, photo.source) == (33.7405, -84.3712, "form")
    assert dict(kept.getexif()) == {}


def test_the_photo_is_turned_upright_from_its_exif_orientation(cs_app, cs_service):
    token = uploaded(cs_service, jpeg((64, 48), orientation=6))  # taken with the phone on its side
    row = photo_row(cs_app, token)
    assert (row.width, row.height) == (48, 64)
    assert Image.open(io.BytesIO(stored_bytes(cs_app, token))).size == (48, 64)


def test_the_thumbnail_is_at_most_320_pixels_a_side(cs_app, cs_service):
    token = uploaded(cs_service, jpeg((800, 600)))
    full = Image.open(io.BytesIO(stored_bytes(cs_app, token)))
    thumb = Image.open(io.BytesIO(stored_bytes(cs_app, token, thumb=True)))
    assert (full.size, thumb.size, dict(thumb.getexif())) == ((800, 600), (320, 240), {})


def test_a_png_with_transparency_is_kept_as_a_jpeg(cs_app, cs_service):
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 0)).save(out, "PNG")
    token = uploaded(cs_service, out.getvalue())
    kept = Image.open(io.BytesIO(stored_bytes(cs_app, token)))
    assert (kept.format, kept.mode, kept.size, photo_row(cs_app, token).content_type) == (
        "JPEG", "RGB", (20, 10), "image/jpeg")


# --- cases ----------------------------------------------------------------------------------

def test_a_new_case_attaches_the_photos_its_media_urls_name(cs_app, cs_service, cs_staff):
    token = uploaded(cs_service)
    case = file_case(cs_service, media_urls=[f"media:{token}", LINK])
    view = cs_staff["agent"].get(f"/api/v1/cases/{case['case_number']}").get_json()
    with session_for(cs_app) as session:
        case_id = session.execute(select(Case.id).where(
            Case.number == case["case_number"])).scalar_one()
    assert view["media_urls"] == [f"media:{token}", LINK]
    assert photo_row(cs_app, token).case_id == case_id


def test_a_case_naming_an_unknown_photo_is_refused_and_not_filed(cs_app, cs_service):
    cases = count(cs_app)
    response = cs_service.post("/api/v1/cases", json=new_case_body(
        media_urls=["media:" + "x" * 32]))
    assert (response.status_code, response.get_json()["fields"]) == (422, {
        "media_urls": f"media:{'x' * 32} is not a photo uploaded for this case"})
    assert count(cs_app) == cases


def test_a_photo_on_one_case_cannot_be_attached_to_another(cs_service):
    token = uploaded(cs_service)
    file_case(cs_service, media_urls=[f"media:{token}"])
    response = cs_service.post("/api/v1/cases", json=new_case_body(media_urls=[f"media:{token}"]))
    assert (response.status_code, response.get_json()["fields"]) == (422, {
        "media_urls": f"media:{token} is not a photo uploaded for this case"})


def test_a_case_takes_at_most_five_stored_photos(cs_app, cs_service):
    tokens = [uploaded(cs_service) for _ in range(6)]
    cases = count(cs_app)
    response = cs_service.post("/api/v1/cases", json=new_case_body(
        media_urls=[f"media:{t}" for t in tokens]))
    assert (response.status_code, response.get_json()["fields"]) == (422, {
        "media_urls": "at most 5 photos per case"})
    assert count(cs_app) == cases


def test_a_sixth_photo_added_later_is_refused(cs_service):
    tokens = [uploaded(cs_service) for _ in range(6)]
    number = file_case(cs_service, media_urls=[f"media:{t}" for t in tokens[:5]])["case_number"]
    response = cs_service.post(f"/api/v1/cases/{number}/activities", json={
        "kind": "info_added", "media_urls": [f"media:{tokens[5]}"]})
    assert (response.status_code, response.get_json()["fields"]) == (422, {
        "media_urls": "at most 5 photos per case"})


def test_a_photo_added_later_joins_the_case(cs_app, cs_service, cs_staff):
    token = uploaded(cs_service)
    number = file_case(cs_service, media_urls=[LINK])["case_number"]
    response = cs_service.post(f"/api/v1/cases/{number}/activities", json={
        "kind": "info_added", "media_urls": [f"media:{token}"]})
    assert response.status_code == 201
    view = cs_staff["agent"].get(f"/api/v1/cases/{number}").get_json()
    assert view["media_urls"] == [LINK, f"media:{token}"]
    assert photo_row(cs_app, token).case_id is not None


def test_a_link_given_to_a_case_is_kept_as_given_and_private(cs_client, cs_service):
    number = file_case(cs_service, media_urls=[LINK])["case_number"]
    assert cs_client.get(f"/api/v1/cases/{number}").get_json()["media_urls"] == []


# --- who sees a photo -----------------------------------------------------------------------

def _case_with_photo(service, service_code: str = "pothole") -> tuple[str, str]:
    token = uploaded(service)
    extra = {} if service_code == "pothole" else {
        "service_code": service_code, "attributes": {"noise_kind": "music", "ongoing": "yes"}}
    number = file_case(service, media_urls=[LINK, f"media:{token}"], **extra)["case_number"]
    return number, token


def test_a_private_photo_is_the_same_404_as_an_unknown_one(cs_app, cs_service):
    _, token = _case_with_photo(cs_service)
    client = cs_app.test_client()
    private, unknown = client.get(f"/media/{token}"), client.get(f"/media/{'y' * 32}")
    thumb = client.get(f"/media/{token}/thumb")
    assert (private.status_code, thumb.status_code, unknown.status_code) == (404, 404, 404)
    assert private.get_data() == unknown.get_data()


def test_an_upload_on_no_case_is_not_served(cs_app, cs_service):
    token = uploaded(cs_service)
    assert cs_app.test_client().get(f"/media/{token}").status_code == 404


def test_a_photo_made_public_is_served_and_is_the_open311_media_url(cs_app, cs_client,
                                                                    cs_service, cs_staff):
    number, token = _case_with_photo(cs_service)
    response = cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/2", json={"public": True})
    served = cs_app.test_client().get(f"/media/{token}")
    record = cs_app.test_client().get(f"{OPEN311}/{number}.json").get_json()[0]
    public = f"{BASE_URL}/media/{token}"
    assert response.get_json() == {"photo": 2, "url": f"media:{token}", "public": True}
    assert (served.status_code, served.mimetype, served.headers["Cache-Control"]) == (
        200, "image/jpeg", "public, max-age=300")
    assert served.get_data() == stored_bytes(cs_app, token)
    assert record["media_url"] == public
    assert cs_client.get(f"/api/v1/cases/{number}").get_json()["media_urls"] == [public]
    assert photo_row(cs_app, token).is_public is True


def test_the_public_case_page_shows_a_public_photo_by_its_thumbnail(cs_app, cs_service,
                                                                    cs_staff):
    number, token = _case_with_photo(cs_service)
    cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/2", json={"public": True})
    page = cs_app.test_client().get(f"/cases/{number}").get_data(as_text=True)
    thumb = cs_app.test_client().get(f"/media/{token}/thumb")
    assert f'<a href="/media/{token}"><img src="/media/{token}/thumb"' in page
    assert LINK not in page
    assert (thumb.status_code, Image.open(io.BytesIO(thumb.get_data())).size) == (200, (64, 48))


def test_a_photo_made_private_again_is_no_longer_served(cs_app, cs_service, cs_staff):
    number, token = _case_with_photo(cs_service)
    cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/2", json={"public": True})
    cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/2", json={"public": False})
    record = cs_app.test_client().get(f"{OPEN311}/{number}.json").get_json()[0]
    assert cs_app.test_client().get(f"/media/{token}").status_code == 404
    assert (record["media_url"], photo_row(cs_app, token).is_public) == (None, False)


def test_a_public_photo_of_a_private_service_is_not_served(cs_app, cs_service, cs_staff):
    number, token = _case_with_photo(cs_service, "noise_complaint")
    response = cs_staff["agent"].patch(f"/api/v1/cases/{number}/media/2", json={"public": True})
    assert response.status_code == 200
    assert cs_app.test_client().get(f"/media/{token}").status_code == 404


@pytest.mark.parametrize("path", ["/media/..%2F..%2Fsecret_key", "/media/short",
                                  "/media/" + "z" * 33])
def test_a_malformed_token_is_404(cs_app, path):
    assert cs_app.test_client().get(path).status_code == 404


def test_media_prune_deletes_only_old_uploads_no_case_took(cs_app, cs_service):
    old_free, old_taken, new_free = uploaded(cs_service), uploaded(cs_service), uploaded(cs_service)
    file_case(cs_service, media_urls=[f"media:{old_taken}"])
    with session_for(cs_app) as session:
        session.execute(update(Photo).where(Photo.token.in_([old_free, old_taken])).values(
            created_at=utcnow() - dt.timedelta(hours=30)))
        session.commit()
    result = cs_app.test_cli_runner().invoke(args=["media-prune", "--hours", "24"])
    with session_for(cs_app) as session:
        left = set(session.execute(select(Photo.token).where(
            Photo.token.in_([old_free, old_taken, new_free]))).scalars())
    assert result.output == "removed 1\n"
    assert left == {old_taken, new_free}
    assert f"photos/{old_free}.jpg" not in stored_files(cs_app)


# --- the notifier's prune chore -----------------------------------------------------------

def _age(app, tokens: list[str], hours: float) -> None:
    with session_for(app) as session:
        session.execute(update(Photo).where(Photo.token.in_(tokens)).values(
            created_at=utcnow() - dt.timedelta(hours=hours)))
        session.commit()


def _left(app, tokens: list[str]) -> set[str]:
    with session_for(app) as session:
        return set(session.execute(select(Photo.token).where(Photo.token.in_(tokens))).scalars())


def test_the_prune_chore_deletes_an_old_unattached_photo_and_keeps_the_others(cs_app,
                                                                             cs_service):
    old_free, old_taken, new_free = uploaded(cs_service), uploaded(cs_service), uploaded(cs_service)
    file_case(cs_service, media_urls=[f"media:{old_taken}"])
    _age(cs_app, [old_free, old_taken], hours=25)
    with cs_app.app_context():
        PruneChore()()
    files = stored_files(cs_app)
    assert _left(cs_app, [old_free, old_taken, new_free]) == {old_taken, new_free}
    assert ([f"photos/{t}.jpg" in files for t in (old_free, old_taken, new_free)],
            f"photos/{old_free}-thumb.jpg" in files) == ([False, True, True], False)


def test_the_prune_chore_runs_at_most_once_an_hour(cs_app, cs_service):
    now = [1_000.0]
    chore = PruneChore(clock=lambda: now[0])
    with cs_app.app_context():
        chore()
        early, late = uploaded(cs_service), uploaded(cs_service)
        _age(cs_app, [early, late], hours=25)
        now[0] += 59 * 60
        chore()
        kept = _left(cs_app, [early, late])
        now[0] += 2 * 60
        removed = chore()
    assert (kept, removed, _left(cs_app, [early, late])) == ({early, late}, 2, set())


def test_the_notifier_command_runs_the_prune_chore(cs_app, monkeypatch):
    given = []
    monkeypatch.setattr("casestore.notifier.run_notifier",
                        lambda *, once, chores: given.extend(chores) or 0)
    cs_app.test_cli_runner().invoke(args=["notifier", "--once"])
    assert [type(c) for c in given if getattr(c, "__name__", "") == "media_prune"] == [PruneChore]
