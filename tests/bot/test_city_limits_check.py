"""A location a resident shares is checked against the city limits polygon, which the
case store holds: the actions ask it (GET /api/v1/places/inside) and load no geometry."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.actions import casestore_client as store
from bot.actions.report_form import ValidateReportForm
from tests.bot.conftest import make_tracker, run, texts
from tests.fixtures.stack import free_port

FORM = ValidateReportForm()


def _share(lat: float, long: float) -> tuple[dict, list[str]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"service_code": "graffiti"},
                           metadata={"location": {"lat": lat, "long": long}},
                           requested_slot="location")
    return run(FORM.validate_location("shared", dispatcher, tracker, {})), texts(dispatcher)


def test_a_location_shared_from_decatur_is_refused_though_near_the_city(store_env):
    result, said = _share(33.7748, -84.2963)  # Decatur square: inside the old rectangle
    assert (result, said) == ({"location": None}, [
        "That shared location looks outside the City of Atlanta. "
        "Please send an address in Atlanta, or say cancel."])


def test_a_location_shared_from_buckhead_is_kept(store_env):
    result, said = _share(33.8381, -84.3799)
    assert (result["lat"], result["long"], said) == (33.8381, -84.3799, [])


def test_with_the_case_store_down_a_shared_location_is_kept_for_it_to_check_later(
        monkeypatch):
    monkeypatch.setenv("CASESTORE_URL", f"http://127.0.0.1:{free_port()}")
    store.clear_catalog_cache()
    result, _said = _share(33.7748, -84.2963)
    store.clear_catalog_cache()
    assert (result["lat"], result["long"]) == (33.7748, -84.2963)
