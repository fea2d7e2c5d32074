"""Operator commands run through Flask's CLI runner on a real database."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlalchemy import select

from casestore.auth import verify_password
from casestore.models import ApiKey, StaffUser
from tests.fixtures.casestore import SERVICE_TOKEN, ApiClient, file_case, session_for
from tests.fixtures.portal import PortalClient


def test_init_creates_tokens_and_the_admin_once(cs_fresh_app):
    runner = cs_fresh_app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    password = re.search(r"password: (\S+)", first.output).group(1)
    var = Path(cs_fresh_app.config["VAR_DIR"])
    service_token = (var / "service_token").read_text()
    assert service_token.strip() and (var / "rasa_token").read_text().strip()
    with session_for(cs_fresh_app) as session:
        admin = session.execute(select(StaffUser).where(StaffUser.role == "admin")).scalar_one()
    assert admin.email == "admin@localhost"
    assert verify_password(admin.password_hash, password)
    assert password not in admin.password_hash
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0 and "password" not in second.output
    assert (var / "service_token").read_text() == service_token


def test_the_first_run_admin_signs_in_with_the_printed_password(cs_fresh_app):
    password = re.search(r"password: (\S+)",
                         cs_fresh_app.test_cli_runner().invoke(args=["init"]).output).group(1)
    client = PortalClient(cs_fresh_app)

    response = client.sign_in_staff("admin@localhost", password)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/portal/")


def test_create_staff_and_staff_token_give_scoped_api_access(cs_app):
    runner = cs_app.test_cli_runner()
    made = runner.invoke(args=["create-staff", "clerk@dwm.test", "--role", "department",
                               "--department", "DWM", "--name", "Dana Clerk"])
    assert made.exit_code == 0, made.output
    assert "password: " in made.output
    token = runner.invoke(args=["staff-token", "clerk@dwm.test"]).output.strip()
    clerk = ApiClient(cs_app, token)
    number = file_case(ApiClient(cs_app, SERVICE_TOKEN))["case_number"]  # ATLDOT
    assert clerk.get(f"/api/v1/cases/{number}").status_code == 404
    assert clerk.get("/api/v1/cases").status_code == 200


def test_create_staff_refuses_a_department_role_without_a_catalog_department(cs_app):
    result = cs_app.test_cli_runner().invoke(
        args=["create-staff", "x@y.test", "--role", "department", "--department", "NOPE"])
    assert result.exit_code != 0
    with session_for(cs_app) as session:
        assert session.execute(select(StaffUser).where(StaffUser.email == "x@y.test")).first() \
            is None


def test_create_staff_reads_the_password_from_stdin(cs_app):
    result = cs_app.test_cli_runner().invoke(
        args=["create-staff", "sup@city.test", "--role", "supervisor", "--password-stdin"],
        input="a long enough password\n")
    assert result.exit_code == 0 and "password:" not in result.output
    with session_for(cs_app) as session:
        user = session.execute(select(StaffUser).where(StaffUser.email == "sup@city.test")
                               ).scalar_one()
    assert verify_password(user.password_hash, "a long enough password")


def test_api_keys_are_printed_once_stored_hashed_and_revocable(cs_app):
    runner = cs_app.test_cli_runner()
    output = runner.invoke(args=["create-api-key", "SeeClickFix"]).output
    key_id, key = re.search(r"api key (\d+) for SeeClickFix: (\S+)", output).groups()
    with session_for(cs_app) as session:
        row = session.get(ApiKey, int(key_id))
        assert key not in row.key_hash and row.revoked_at is None
    assert runner.invoke(args=["revoke-api-key", key_id]).exit_code == 0
    with session_for(cs_app) as session:
        assert session.get(ApiKey, int(key_id)).revoked_at is not None
    assert runner.invoke(args=["revoke-api-key", "999999"]).exit_code != 0


def test_export_csv_leaves_requester_data_out_unless_asked(cs_app, tmp_path):
    number = file_case(ApiClient(cs_app, SERVICE_TOKEN),
                       description="=HYPERLINK(\"http://evil\")")["case_number"]
    runner = cs_app.test_cli_runner()
    public = runner.invoke(args=["export-csv"]).output
    assert number in public and "ada.resident@example.com" not in public
    assert "requester_email" not in public
    out = tmp_path / "cases.csv"
    assert runner.invoke(args=["export-csv", "--include-private", "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    mine = next(r for r in rows if r["number"] == number)
    assert mine["requester_email"] == "ada.resident@example.com"
    assert mine["lat"].startswith("33.")
