"""Open311 POST requests: api_key, location, attributes, validation, and tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from casestore.models import Case
from tests.fixtures.open311 import (
    API_KEY,
    BASE,
    REVOKED_KEY,
    count_cases,
    error_descriptions,
    file_request,
    parse_xml,
    session_for,
)

POTHOLE = {
    "api_key": API_KEY,
    "service_code": "pothole",
    "attribute[size]": "small",
    "attribute[in_travel_lane]": "no",
    "description": "Hole by the bus stop",
}


def stored(app, number: str) -> Case:
    """Return the case as the database holds it."""
    with session_for(app) as session:
        return session.execute(select(Case).where(Case.number == number)).scalar_one()


def refused(o311, app, fmt: str, form: dict, status: int) -> list[str]:
    """POST ``form``; check the status, the error format and that no case was made."""
    before = count_cases(app)
    response = o311.post(f"{BASE}/requests.{fmt}", data=form)
    assert count_cases(app) == before
    return error_descriptions(response, fmt, status)


def test_post_with_lat_long_creates_a_request_and_answers_a_json_array(o311, open311_app):
    response = o311.post(f"{BASE}/requests.json",
                           data={**POTHOLE, "lat": "33.7601", "long": "-84.3712"})
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    number = body[0]["service_request_id"]
    assert isinstance(number, str) and len(number) == 8 and number.isdigit()
    assert "Atlanta Department of Transportation" in body[0]["service_notice"]
    case = stored(open311_app, number)
    assert (case.lat, case.long) == (33.7601, -84.3712)
    assert case.channel == "open311"
    assert case.attributes == {"size": "small", "in_travel_lane": "no"}
    assert case.api_key_id is not None


def test_post_in_xml_answers_service_requests_with_one_request(o311):
    form = {**POTHOLE, "address_string": "10 Peachtree St NW"}
    response = o311.post(f"{BASE}/requests.xml", data=form)
    assert response.status_code == 201
    root = parse_xml(response)
    assert root.tag == "service_requests"
    assert [r.tag for r in root] == ["request"]
    request = root.find("request")
    tags = [child.tag for child in request]
    assert tags == ["service_request_id", "service_notice", "account_id"]
    assert request.findtext("service_request_id").isdigit()


def test_post_with_address_string_keeps_the_address(o311, open311_app):
    number = file_request(o311, lat="", long="",
                          address_string="55 Trinity Ave SW, Atlanta, GA 30303")
    case = stored(open311_app, number)
    assert case.address == "55 Trinity Ave SW, Atlanta, GA 30303"
    assert case.lat is None and case.long is None


def test_post_with_address_id_keeps_it_as_the_address(o311, open311_app):
    number = file_request(o311, lat="", long="", address_id="68 Mitchell St SW")
    assert stored(open311_app, number).address == "68 Mitchell St SW"


def test_post_keeps_requester_contact_privately_on_the_case(o311, open311_app):
    number = file_request(o311, first_name="Ada", last_name="Lovelace",
                          email="ada@example.com", phone="404-555-0100",
                          media_url="https://img.example.com/hole.jpg", device_id="dev-1",
                          account_id="acct-9")
    case = stored(open311_app, number)
    assert case.requester_name == "Ada Lovelace"
    assert case.requester_email == "ada@example.com"
    assert case.requester_phone == "+14045550100"
    assert case.media_urls == ["https://img.example.com/hole.jpg"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_with_both_a_point_and_an_address_is_refused(o311, open311_app, fmt):
    form = {**POTHOLE, "lat": "33.75", "long": "-84.39", "address_string": "1 Main St"}
    descriptions = refused(o311, open311_app, fmt, form, 400)
    assert descriptions == ["give one location only: lat and long, address_string or address_id"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_without_any_location_is_refused(o311, open311_app, fmt):
    form = {**POTHOLE, "lat": "", "long": "", "address_string": " ", "address_id": ""}
    descriptions = refused(o311, open311_app, fmt, form, 400)
    assert descriptions == ["a location is required: lat and long, address_string or address_id"]


def test_post_with_lat_but_no_long_is_refused(o311, open311_app):
    descriptions = refused(o311, open311_app, "json", {**POTHOLE, "lat": "33.75"}, 400)
    assert descriptions == ["long must be a decimal number (WGS84)"]


@pytest.mark.parametrize("lat", ["north", "nan", "inf", "33,75"])
def test_post_with_a_coordinate_that_is_not_a_number_is_refused(o311, open311_app, lat):
    descriptions = refused(o311, open311_app, "xml",
                           {**POTHOLE, "lat": lat, "long": "-84.39"}, 400)
    assert descriptions == ["lat must be a decimal number (WGS84)"]


def test_post_with_a_point_outside_the_city_is_refused(o311, open311_app):
    descriptions = refused(o311, open311_app, "json",
                           {**POTHOLE, "lat": "40.71", "long": "-74.00"}, 400)
    assert descriptions == ["lat: is outside Atlanta"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("key", [None, "", "not-a-key", REVOKED_KEY])
def test_post_without_a_valid_api_key_is_forbidden_and_creates_nothing(
    o311, open311_app, fmt, key
):
    form = {**POTHOLE, "lat": "33.75", "long": "-84.39"}
    form.pop("api_key")
    if key is not None:
        form["api_key"] = key
    descriptions = refused(o311, open311_app, fmt, form, 403)
    assert descriptions == ["api_key was not provided or is not valid"]


def test_the_api_key_is_checked_before_the_rest_of_the_form(o311, open311_app):
    descriptions = refused(o311, open311_app, "json", {"api_key": "wrong"}, 403)
    assert descriptions == ["api_key was not provided or is not valid"]


def test_post_without_service_code_is_refused(o311, open311_app):
    form = {**POTHOLE, "service_code": "", "lat": "33.75", "long": "-84.39"}
    assert refused(o311, open311_app, "json", form, 400) == ["service_code is required"]


def test_post_with_an_unknown_service_code_is_refused(o311, open311_app):
    form = {**POTHOLE, "service_code": "flying_saucer", "lat": "33.75", "long": "-84.39"}
    assert refused(o311, open311_app, "xml", form, 400) == ["service_code was not found"]


def test_post_missing_a_required_attribute_is_refused_naming_it(o311, open311_app):
    form = {**POTHOLE, "lat": "33.75", "long": "-84.39", "attribute[in_travel_lane]": ""}
    assert refused(o311, open311_app, "json", form, 400) == [
        "attribute[in_travel_lane]: is required"
    ]


def test_post_with_a_value_not_in_the_list_is_refused(o311, open311_app):
    form = {**POTHOLE, "lat": "33.75", "long": "-84.39", "attribute[size]": "enormous"}
    assert refused(o311, open311_app, "xml", form, 400) == [
        "attribute[size]: must be one of large, medium, small"
    ]


def test_post_with_an_attribute_the_service_does_not_define_is_refused(o311, open311_app):
    form = {**POTHOLE, "lat": "33.75", "long": "-84.39", "attribute[colour]": "red"}
    assert refused(o311, open311_app, "json", form, 400) == [
        "attribute[colour]: is not a detail of pothole"
    ]


def test_multivaluelist_attributes_take_the_bracketed_list_form(o311, open311_app):
    definition = o311.get(f"{BASE}/services.json").get_json()
    multi = None
    for service in definition:
        if not service["metadata"]:
            continue
        attributes = o311.get(f"{BASE}/services/{service['service_code']}.json").get_json()
        for attribute in attributes["attributes"]:
            if attribute["datatype"] == "multivaluelist":
                multi = (service["service_code"], attributes["attributes"], attribute)
                break
        if multi:
            break
    if multi is None:
        pytest.skip("the catalog defines no multivaluelist attribute")
    code, attributes, attribute = multi
    keys = [v["key"] for v in attribute["values"]][:2]
    form = {"api_key": API_KEY, "service_code": code, "lat": "33.75", "long": "-84.39"}
    for other in attributes:
        if other["required"] and other is not attribute:
            form[f"attribute[{other['code']}]"] = (
                other["values"][0]["key"] if other.get("values") else "1"
            )
    listed = [(f"attribute[{attribute['code']}][]", key) for key in keys]
    response = o311.post(f"{BASE}/requests.json", data=MultiDict([*form.items(), *listed]))
    assert response.status_code == 201, response.get_data(as_text=True)
    case = stored(open311_app, response.get_json()[0]["service_request_id"])
    assert case.attributes[attribute["code"]] == keys
    bad = {**form, f"attribute[{attribute['code']}][]": "not-a-choice"}
    assert refused(o311, open311_app, "json", bad, 400)[0].startswith(
        f"attribute[{attribute['code']}]: each must be one of"
    )


def test_a_description_over_4000_characters_is_refused(o311, open311_app):
    form = {**POTHOLE, "lat": "33.75", "long": "-84.39", "description": "x" * 4001}
    assert refused(o311, open311_app, "json", form, 400) == [
        "description: must be at most 4,000 characters"
    ]


def test_a_description_of_exactly_4000_characters_is_accepted(o311, open311_app):
    number = file_request(o311, description="y" * 4000)
    assert len(stored(open311_app, number).description) == 4000


def test_an_invalid_email_is_refused_without_echoing_it(o311, open311_app):
    form = {**POTHOLE, "lat": "33.75", "long": "-84.39", "email": "secret-person@@nowhere"}
    descriptions = refused(o311, open311_app, "json", form, 400)
    assert descriptions == ["email: is not a valid email address"]
    assert "secret-person" not in " ".join(descriptions)


def test_empty_optional_fields_are_treated_as_absent(o311, open311_app):
    number = file_request(o311, email="", phone="", first_name="", last_name="",
                          media_url="", address_id="", address_string="", device_id="",
                          account_id="", jurisdiction_id="")
    case = stored(open311_app, number)
    assert case.requester_email is None and case.requester_phone is None
    assert case.media_urls == []


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_token_leads_to_the_request_it_stands_for(o311, open311_app, fmt):
    number = file_request(o311)
    token = stored(open311_app, number).open311_token
    response = o311.get(f"{BASE}/tokens/{token}.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert response.get_json() == [{"service_request_id": number, "token": token}]
    else:
        root = parse_xml(response)
        assert root.tag == "service_requests"
        assert [(r.findtext("service_request_id"), r.findtext("token")) for r in root] == [
            (number, token)
        ]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_an_unknown_token_answers_404(o311, fmt):
    response = o311.get(f"{BASE}/tokens/nope-not-a-token.{fmt}")
    assert error_descriptions(response, fmt, 404) == ["token was not found"]


def test_a_key_from_the_operator_command_works_until_it_is_revoked(o311, open311_app):
    runner = open311_app.test_cli_runner()
    created = runner.invoke(args=["create-api-key", "Neighbourhood app"])
    assert created.exit_code == 0, created.output
    key_id, key = created.output.split()[2], created.output.strip().rsplit(" ", 1)[1]
    form = {**POTHOLE, "api_key": key, "lat": "33.75", "long": "-84.39"}
    assert o311.post(f"{BASE}/requests.json", data=form).status_code == 201
    assert runner.invoke(args=["revoke-api-key", key_id]).exit_code == 0
    assert refused(o311, open311_app, "json", form, 403) == [
        "api_key was not provided or is not valid"
    ]
