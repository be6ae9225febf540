"""A person's export lists every thing that names them: besides their record, team and
rider places, the activities and the measures they answer for, as those endpoints show
them, and none that names someone else."""

from typing import Any

from tests.conftest import Callers
from tests.factories import API, make_person, make_stage, ok, tour_with_counties


def test_export_lists_the_activities_and_measures_a_person_answers_for(
    callers: Callers,
) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    person = make_person(callers.county_15)
    other = make_person(callers.county_15, email="kari@example.org", name="Kari")

    def post(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return ok(callers.county_15.post(f"{API}/stages/{stage['id']}/{kind}", json=body), 201)

    coffee = post(
        "activities", {"kind": "activity", "title": "Kaffe", "person_ids": [person["id"]]}
    )
    post("activities", {"kind": "activity", "title": "Vafler", "person_ids": [other["id"]]})
    guard = post(
        "measures",
        {"kind": "traffic_control", "title": "Vakt", "responsible_person_id": person["id"]},
    )
    post("measures", {"kind": "other", "title": "Skilt", "responsible_person_id": other["id"]})

    exported = ok(callers.county_15.get(f"{API}/people/{person['id']}/export"))

    assert [a["id"] for a in exported["activities"]] == [coffee["id"]]
    assert exported["activities"][0] == ok(
        callers.county_15.get(f"{API}/stages/{stage['id']}/activities/{coffee['id']}")
    )
    assert [m["id"] for m in exported["measures"]] == [guard["id"]]
    assert exported["measures"][0]["responsible_person"]["id"] == person["id"]


def test_export_of_a_person_who_answers_for_nothing_has_empty_lists(callers: Callers) -> None:
    person = make_person(callers.county_15)
    exported = ok(callers.county_15.get(f"{API}/people/{person['id']}/export"))
    assert (exported["activities"], exported["measures"]) == ([], [])
