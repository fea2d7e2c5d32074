"""The public case page: public fields only, rate-limited, and markup always shown as text."""

from __future__ import annotations

from tests.fixtures.portal import PortalClient, make_portal_app, new_case

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_public_page_shows_status_and_department_but_no_personal_data(portal_app):
    number = new_case(portal_app, requester={
        "name": "Jordan Requester", "email": "jordan.private@example.org",
        "phone": "+14045550199", "channel_address": "sms:+14045550199",
    })
    page = portal_app.test_client().get(f"/cases/{number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Pothole" in html and "Atlanta Department of Transportation" in html
    assert f"{number[:2]}-{number[2:]}" in html
    for private in ("Jordan", "jordan.private", "4045550199"):
        assert private not in html


def test_unknown_case_number_gets_a_404_page(portal_app):
    page = portal_app.test_client().get("/cases/99999999")
    assert page.status_code == 404
    assert "Case not found" in page.get_data(as_text=True)


def test_case_page_accepts_the_grouped_number(portal_app):
    number = new_case(portal_app)
    assert portal_app.test_client().get(f"/cases/{number[:2]}-{number[2:]}").status_code == 200


def test_description_with_markup_is_text_on_every_page(portal_app):
    number = new_case(portal_app, description=SCRIPT)
    staff = PortalClient(portal_app)
    staff.sign_in_staff("agent@atl311.example.org")
    staff.get(f"/portal/cases/{number}")
    staff.submit(f"/portal/cases/{number}/notes", {"kind": "update", "note": SCRIPT,
                                                    "public": "y"}, "note")
    pages = [
        staff.get(f"/portal/cases/{number}").get_data(as_text=True),
        staff.get("/portal/").get_data(as_text=True),
        portal_app.test_client().get(f"/cases/{number}").get_data(as_text=True),
    ]
    for html in pages[::2]:
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    for html in pages:
        assert "<script>" not in html
        assert "<img src=x" not in html


def test_photo_links_only_allow_web_addresses(portal_app):
    number = new_case(portal_app, media_urls=["https://photos.example.org/1.jpg"])
    html = portal_app.test_client().get(f"/cases/{number}").get_data(as_text=True)
    assert "javascript:" not in html
    from casestore.pages import safe_url

    assert safe_url("javascript:alert(1)") == "#"
    assert safe_url("https://photos.example.org/1.jpg") == "https://photos.example.org/1.jpg"


def test_public_lookup_is_rate_limited_per_client(make_database_url, tmp_path):
    app = make_portal_app(make_database_url("lookuplimit"), str(tmp_path),
                          RATELIMIT_ENABLED=True, LOOKUP_RATE_LIMIT="3 per minute")
    try:
        number = new_case(app)
        client = app.test_client()
        codes = [client.get(f"/cases/{int(number) + i}").status_code for i in range(4)]
        assert codes == [200, 404, 404, 429]
        other = app.test_client()
        assert other.get(f"/cases/{number}", environ_base={"REMOTE_ADDR": "10.0.0.9"}
                         ).status_code == 200
    finally:
        app.extensions["casestore.engine"].dispose()


def test_pages_forbid_scripts_framing_and_referrers(portal_app):
    number = new_case(portal_app)
    for path in (f"/cases/{number}", "/portal/login", "/account/login"):
        headers = portal_app.test_client().get(path).headers
        assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer"
