from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import (
    API,
    STALE,
    if_match,
    leg_keys,
    make_person,
    make_stage,
    ok,
    problem,
    tour_with_counties,
    upload,
)


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    return make_stage(callers.county_15, tour_with_counties(callers.national)["id"])


class TestTeam:
    def test_add_list_update_remove(self, callers: Callers, stage: dict[str, Any]) -> None:
        person = make_person(callers.county_15)
        url = f"{API}/stages/{stage['id']}/team"
        member = ok(
            callers.county_15.post(
                url,
                json={
                    "person_id": person["id"],
                    "role": "safety_lead",
                    "responsibilities": "Kryssing av Rv 650",
                },
            ),
            201,
        )
        assert member["person"]["name"] == "Ola Nordmann"
        assert ok(callers.county_15.get(url))["items"][0]["role"] == "safety_lead"
        item = f"{url}/{member['id']}"
        updated = ok(
            callers.county_15.patch(
                item, json={"role": "first_aid"}, headers=if_match(callers.county_15, item)
            )
        )
        assert updated["role"] == "first_aid"
        problem(
            callers.county_15.patch(item, json={"role": "host"}, headers=STALE),
            412,
            "precondition_failed",
        )
        assert (
            callers.county_15.delete(item, headers=if_match(callers.county_15, item)).status_code
            == 204
        )
        problem(callers.anonymous.get(item), 404, "team_member_not_found")

    def test_legs_must_exist(self, callers: Callers, stage: dict[str, Any]) -> None:
        person = make_person(callers.county_15)
        url = f"{API}/stages/{stage['id']}/team"
        problem(
            callers.county_15.post(
                url, json={"person_id": person["id"], "role": "scout", "legs": ["4-end"]}
            ),
            422,
            "unknown_leg",
        )
        upload(
            callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import"
        )  # two legs now
        _, second = leg_keys(callers.anonymous, stage["id"])
        member = ok(
            callers.county_15.post(
                url, json={"person_id": person["id"], "role": "scout", "legs": [second]}
            ),
            201,
        )
        assert member["legs"] == [second]
        assert not member["leg_changed"]

    @pytest.mark.parametrize(
        ("data", "status", "code"),
        [
            ({"person_id": 999, "role": "host"}, 422, "unknown_reference"),
            ({"person_id": 1, "role": "juggler"}, 422, "validation_failed"),
            ({"role": "host"}, 422, "validation_failed"),
        ],
    )
    def test_bad_input(
        self, callers: Callers, stage: dict[str, Any], data: dict[str, Any], status: int, code: str
    ) -> None:
        problem(callers.county_15.post(f"{API}/stages/{stage['id']}/team", json=data), status, code)

    def test_person_of_another_county_is_422(self, callers: Callers, stage: dict[str, Any]) -> None:
        other = make_person(callers.county_50, county="50")
        problem(
            callers.national.post(
                f"{API}/stages/{stage['id']}/team", json={"person_id": other["id"], "role": "host"}
            ),
            422,
            "person_of_other_county",
        )

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("national", 201)],
    )
    def test_write_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        person = make_person(callers.county_15)
        response = getattr(callers, who).post(
            f"{API}/stages/{stage['id']}/team", json={"person_id": person["id"], "role": "host"}
        )
        assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("reader", 403), ("county_50", 403)]
)
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_change_permissions(
    callers: Callers, stage: dict[str, Any], who: str, status: int, method: str
) -> None:
    person = make_person(callers.county_15)
    member = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/team", json={"person_id": person["id"], "role": "host"}
        ),
        201,
    )
    response = getattr(callers, who).request(
        method,
        f"{API}/stages/{stage['id']}/team/{member['id']}",
        json={"role": "sweep"} if method == "PATCH" else None,
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == status
