"""Security headers and cookie flags on the channels app; no addresses in logs or URLs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from channels import casestore_client
from tests.fixtures.channels import channels_config, wait_for
from tests.fixtures.stack import free_port

REPO = Path(__file__).resolve().parents[2]
SESSION = "secretsession" + "4" * 22  # a web chat session id is a bearer for its transcript
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {}")


def test_the_chat_page_sends_its_security_headers(channels_app):
    response = channels_app().test_client().get("/")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CSP.format("'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_citys_site_may_embed_the_page_when_configured(channels_app):
    app = channels_app(CHANNELS_FRAME_ANCESTORS="https://www.atlantaga.gov")
    response = app.test_client().get("/")
    assert response.headers["Content-Security-Policy"] == CSP.format("https://www.atlantaga.gov")


def _app_setting_a_cookie(channels_app, **settings):
    app = channels_app(**settings)

    @app.get("/cookie-probe")
    def probe():  # noqa: ANN202
        response = app.make_response("ok")
        response.set_cookie("probe", "1", httponly=True)
        return response

    return app


def test_cookies_are_secure_by_default(channels_app):
    response = _app_setting_a_cookie(channels_app).test_client().get("/cookie-probe")
    assert response.headers.getlist("Set-Cookie") == ["probe=1; HttpOnly; Path=/; Secure"]


def test_a_plain_http_run_may_turn_secure_cookies_off(channels_app):
    app = _app_setting_a_cookie(channels_app, CHANNELS_COOKIE_SECURE=False)
    response = app.test_client().get("/cookie-probe")
    assert response.headers.getlist("Set-Cookie") == ["probe=1; HttpOnly; Path=/"]


def test_start_sends_the_address_in_the_body_not_the_url(channels_app, api_recorder):
    casestore_client.opt_in(channels_app(), "sms:+14045550123")
    [call] = api_recorder.calls("/api/v1/opt-outs")
    assert (call.method, call.path, call.query) == ("DELETE", "/api/v1/opt-outs", {})
    assert call.json == {"channel_address": "sms:+14045550123"}


def test_a_case_store_refusal_of_start_never_names_the_address(channels_app, api_recorder):
    api_recorder.answers["/api/v1/opt-outs"] = (500, {"error": "internal"})
    with pytest.raises(casestore_client.CaseStoreError) as failed:
        casestore_client.opt_in(channels_app(), "sms:+14045550123")
    assert str(failed.value) == "DELETE /api/v1/opt-outs: 500"


def _procfile_log_format(process: str) -> str:
    line = next(x for x in (REPO / "Procfile").read_text().splitlines()
                if x.startswith(f"{process}:"))
    return re.search(r"--access-logformat '([^']+)'", line).group(1)


@pytest.mark.parametrize("process", ["casestore", "channels", "channels-internal"])
def test_every_gunicorn_process_logs_without_query_strings(process):
    assert "%(U)s" in _procfile_log_format(process)
    assert not {"%(r)s", "%(q)s", "%(f)s"} & set(re.findall(r"%\([a-zA-Z{}_-]+\)s",
                                                          _procfile_log_format(process)))


def test_the_access_log_keeps_the_path_and_drops_the_query(make_database_url, fake_rasa,
                                                          api_recorder, tmp_path):
    port = free_port()
    config = channels_config(fake_rasa.url, api_recorder.url, make_database_url("accesslog"))
    env = {k: str(v) for k, v in config.items() if k != "TESTING"}
    log = tmp_path / "access.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
             "--access-logfile", "-", "--access-logformat", _procfile_log_format("channels"),
             "channels:create_app()"],
            cwd=REPO, env={**env, "PATH": "/usr/bin:/bin"}, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/webchat/messages?session_id={SESSION}"

        def answered() -> bool:
            try:
                return requests.get(url, timeout=2).status_code < 500
            except requests.RequestException:
                return False

        wait_for(answered, 60, "the channels app under gunicorn")
        wait_for(lambda: "/webchat/messages" in log.read_text(), 10, "the access log line")
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert SESSION not in log.read_text()
