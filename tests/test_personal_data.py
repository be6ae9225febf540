"""No response to anonymous callers, or to reader tokens without the grant, or to another
county, contains a name, phone number or e-mail address of a person or county contact."""

from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import API, make_person, make_stage, ok, tour_with_counties, upload

SECRETS = (
    "Ola Nordmann",
    "93012345",
    "ola@example.org",
    "Kari Nordmann",
    "91234567",
    "kari@example.org",
)


@pytest.fixture
def world(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    person = make_person(callers.county_15, pilot_trained=True)
    rider = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/riders", json={"person_id": person["id"], "role": "pilot"}
        ),
        201,
    )
    member = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/team", json={"person_id": person["id"], "role": "host"}
        ),
        201,
    )
    return {"tour": tour, "stage": stage, "person": person, "rider": rider, "member": member}


def paths(world: dict[str, Any]) -> list[str]:
    tour, stage = world["tour"]["id"], world["stage"]["id"]
    person = world["person"]["id"]
    return [
        f"{API}/tours/{tour}",
        f"{API}/tours/{tour}/counties",
        f"{API}/tours/{tour}/counties/15",
        f"{API}/tours/{tour}/stages",
        f"{API}/tours/{tour}/handovers",
        f"{API}/tours/{tour}/staffing",
        f"{API}/stages/{stage}",
        f"{API}/stages/{stage}/route",
        f"{API}/stages/{stage}/route.gpx",
        f"{API}/stages/{stage}/checkpoints",
        f"{API}/stages/{stage}/legs",
        f"{API}/stages/{stage}/team",
        f"{API}/stages/{stage}/team/{world['member']['id']}",
        f"{API}/stages/{stage}/riders",
        f"{API}/stages/{stage}/riders/{world['rider']['id']}",
        f"{API}/stages/{stage}/staffing",
        f"{API}/people",
        f"{API}/people/{person}",
        f"{API}/people/{person}/export",
        f"{API}/people/{person}/calendar.ics",
        f"{API}/audit",
    ]


@pytest.mark.parametrize("who", ["anonymous", "reader", "county_50"])
def test_nothing_personal_leaks(callers: Callers, world: dict[str, Any], who: str) -> None:
    client = getattr(callers, who)
    for path in paths(world):
        response = client.get(path)
        assert response.status_code < 500, path
        for secret in SECRETS:
            assert secret not in response.text, (who, path, secret)


@pytest.mark.parametrize("who", ["county_15", "national", "reader_personal"])
def test_those_allowed_see_the_people(callers: Callers, world: dict[str, Any], who: str) -> None:
    client = getattr(callers, who)
    team = ok(client.get(f"{API}/stages/{world['stage']['id']}/team"))
    assert team["items"][0]["person"]["name"] == "Ola Nordmann"
    riders = ok(client.get(f"{API}/stages/{world['stage']['id']}/riders"))
    assert riders["items"][0]["person"]["email"] == "ola@example.org"
    assert ok(client.get(f"{API}/people/{world['person']['id']}"))["phone"] == "+4793012345"
