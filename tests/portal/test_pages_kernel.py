"""The pages kernel (casestore/pages.py) is the app's, not the portal's.

``create_app`` installs it, so the resident and public pages keep their CSRF
guard, security headers and template globals in an app where the portal
blueprint is not registered at all, and no page blueprint imports the portal.
"""

from __future__ import annotations

import flask
import pytest

from casestore.migrate import upgrade_database
from tests.fixtures.casestore import build_app
from tests.test_import_loops import import_edges, source_files

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@pytest.fixture(scope="module")
def app_without_portal(make_database_url, tmp_path_factory):
    """A case store app built by create_app with the portal and console left unregistered."""
    url = make_database_url("noportal")
    upgrade_database(url)
    register = flask.Flask.register_blueprint

    def all_but_the_portal(self, blueprint, **options):
        if blueprint.name not in ("portal", "livechat"):
            register(self, blueprint, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flask.Flask, "register_blueprint", all_but_the_portal)
        app = build_app(url, str(tmp_path_factory.mktemp("noportal-var")))
    assert "portal" not in app.blueprints and "account" in app.blueprints
    yield app
    app.extensions["casestore.engine"].dispose()


def test_resident_pages_render_with_their_headers_without_the_portal(app_without_portal):
    response = app_without_portal.test_client().get("/account/login")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert (response.headers["Content-Security-Policy"], response.headers["Cache-Control"]) == (
        CSP, "no-store")


def test_a_post_without_csrf_token_is_refused_without_the_portal(app_without_portal):
    response = app_without_portal.test_client().post(
        "/account/login", data={"email": "ada@example.org", "password": "whatever"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_a_public_case_page_miss_is_the_public_404_without_the_portal(app_without_portal):
    response = app_without_portal.test_client().get("/cases/26999999")
    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize("module", [
    "casestore.account", "casestore.account.views", "casestore.account.blueprint",
    "casestore.public", "casestore.public.views", "casestore.public.blueprint",
    "casestore.livechat.console",
])
def test_no_other_page_blueprint_imports_the_portal(module):
    graph = import_edges(source_files(("casestore",)))
    assert sorted(t for t in graph[module] if t.split(".")[:2] == ["casestore", "portal"]) == []
