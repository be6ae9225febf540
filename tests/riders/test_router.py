from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import (
    API,
    STALE,
    add_rider,
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
def tour(callers: Callers) -> dict[str, Any]:
    return tour_with_counties(callers.national)


@pytest.fixture
def stage(callers: Callers, tour: dict[str, Any]) -> dict[str, Any]:
    return make_stage(callers.county_15, tour["id"], bikes=1)


def invite(client: Any, stage_id: int, **data: Any) -> dict[str, Any]:
    return add_rider(client, stage_id, **data)


def person(callers: Callers, n: int, **fields: Any) -> dict[str, Any]:
    return make_person(callers.county_15, name=f"Person {n}", email=f"p{n}@example.org", **fields)


class TestRiders:
    def test_invite_confirm_withdraw(self, callers: Callers, stage: dict[str, Any]) -> None:
        pilot = person(callers, 1, pilot_trained=True)
        rider = invite(callers.county_15, stage["id"], person_id=pilot["id"], role="pilot")
        assert (rider["status"], rider["invited_by"]) == ("invited", "Møre og Romsdal contact")
        url = f"{API}/stages/{stage['id']}/riders/{rider['id']}"
        confirmed = ok(
            callers.county_15.patch(
                url, json={"status": "confirmed"}, headers=if_match(callers.county_15, url)
            )
        )
        assert confirmed["status"] == "confirmed"
        problem(
            callers.county_15.patch(
                url, json={"status": "declined"}, headers=if_match(callers.county_15, url)
            ),
            409,
            "illegal_rider_transition",
        )
        withdrawn = ok(
            callers.county_15.patch(
                url, json={"status": "withdrawn"}, headers=if_match(callers.county_15, url)
            )
        )
        assert withdrawn["status"] == "withdrawn"
        again = ok(
            callers.county_15.patch(
                url, json={"status": "invited"}, headers=if_match(callers.county_15, url)
            )
        )
        assert again["status"] == "invited"

    def test_untrained_pilot_is_a_warning(self, callers: Callers, stage: dict[str, Any]) -> None:
        rider = invite(
            callers.county_15, stage["id"], person_id=person(callers, 1)["id"], role="pilot"
        )
        assert rider["warnings"][0].startswith("pilot_not_trained")

    def test_two_passengers_per_rickshaw_on_every_leg(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
        first, second = leg_keys(callers.anonymous, stage["id"])
        invite(callers.county_15, stage["id"], person_id=person(callers, 1)["id"], role="passenger")
        invite(
            callers.county_15,
            stage["id"],
            person_id=person(callers, 2)["id"],
            role="passenger",
            legs=[first],
        )
        body = problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/riders",
                json={"person_id": person(callers, 3)["id"], "role": "passenger"},
            ),
            422,
            "rickshaw_full",
        )
        assert f"Leg {first}" in body["detail"]
        ok_on_leg_2 = invite(
            callers.county_15,
            stage["id"],
            person_id=person(callers, 4)["id"],
            role="passenger",
            legs=[second],
        )
        assert ok_on_leg_2["legs"] == [second]
        declined_seat = invite(
            callers.county_15, stage["id"], person_id=person(callers, 5)["id"], role="cyclist"
        )
        assert declined_seat["role"] == "cyclist"

    def test_confirmed_twice_the_same_day_is_409(
        self, callers: Callers, tour: dict[str, Any], stage: dict[str, Any]
    ) -> None:
        other_stage = make_stage(
            callers.county_15, tour["id"], sequence=2, name="Ettermiddag"
        )  # same date
        cyclist = person(callers, 1)
        invite(
            callers.county_15,
            stage["id"],
            person_id=cyclist["id"],
            role="cyclist",
            status="confirmed",
        )
        invited = invite(
            callers.county_15, other_stage["id"], person_id=cyclist["id"], role="cyclist"
        )
        staffing = ok(callers.anonymous.get(f"{API}/stages/{other_stage['id']}/staffing"))
        assert [w["code"] for w in staffing["warnings"]] == ["double_booking"]
        body = problem(
            callers.county_15.patch(
                f"{API}/stages/{other_stage['id']}/riders/{invited['id']}",
                json={"status": "confirmed"},
                headers=if_match(
                    callers.county_15, f"{API}/stages/{other_stage['id']}/riders/{invited['id']}"
                ),
            ),
            409,
            "double_booking",
        )
        assert "stage 1" in body["detail"]
        next_day = make_stage(callers.county_15, tour["id"], sequence=3, date="2026-06-04")
        invite(
            callers.county_15,
            next_day["id"],
            person_id=cyclist["id"],
            role="cyclist",
            status="confirmed",
        )

    def test_different_legs_of_one_stage_do_not_overlap(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
        first, second = leg_keys(callers.anonymous, stage["id"])
        pilot = person(callers, 1, pilot_trained=True)
        invite(
            callers.county_15,
            stage["id"],
            person_id=pilot["id"],
            role="pilot",
            legs=[first],
            status="confirmed",
        )
        invite(
            callers.county_15,
            stage["id"],
            person_id=pilot["id"],
            role="cyclist",
            legs=[second],
            status="confirmed",
        )
        add_rider(
            callers.county_15,
            stage["id"],
            expect=409,
            person_id=pilot["id"],
            role="cyclist",
            status="confirmed",
        )

    def test_long_duty_is_a_warning(self, callers: Callers, tour: dict[str, Any]) -> None:
        slow = make_stage(callers.county_15, tour["id"], sequence=1, speeds_kmh=[3])
        upload(
            callers.county_15, slow["id"], "stage_valldal_stordal.gpx"
        )  # 25 km at 3 km/h: over 8 h
        rider = invite(
            callers.county_15,
            slow["id"],
            person_id=person(callers, 1)["id"],
            role="cyclist",
            status="confirmed",
        )
        assert any(w.startswith("long_duty") for w in rider["warnings"])

    @pytest.mark.parametrize(
        ("data", "status", "code"),
        [
            ({"person_id": 999, "role": "pilot"}, 422, "unknown_reference"),
            ({"person_id": 1, "role": "driver"}, 422, "validation_failed"),
            ({"person_id": 1, "role": "pilot", "legs": [1]}, 422, "validation_failed"),
            ({"person_id": 1, "role": "pilot", "legs": ["leg-1"]}, 422, "validation_failed"),
            ({"person_id": 1, "role": "pilot", "status": "maybe"}, 422, "validation_failed"),
        ],
    )
    def test_bad_input(
        self, callers: Callers, stage: dict[str, Any], data: dict[str, Any], status: int, code: str
    ) -> None:
        problem(
            callers.county_15.post(f"{API}/stages/{stage['id']}/riders", json=data), status, code
        )

    def test_new_rider_cannot_start_declined(self, callers: Callers, stage: dict[str, Any]) -> None:
        problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/riders",
                json={
                    "person_id": person(callers, 1)["id"],
                    "role": "cyclist",
                    "status": "declined",
                },
            ),
            409,
            "illegal_rider_transition",
        )

    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("anonymous", 401),
            ("reader", 403),
            ("reader_personal", 403),
            ("county_50", 403),
            ("national", 201),
        ],
    )
    def test_write_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        response = getattr(callers, who).post(
            f"{API}/stages/{stage['id']}/riders",
            json={"person_id": person(callers, 1)["id"], "role": "cyclist"},
        )
        assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("reader", 403), ("county_50", 403)]
)
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_change_permissions(
    callers: Callers, stage: dict[str, Any], who: str, status: int, method: str
) -> None:
    rider = invite(
        callers.county_15, stage["id"], person_id=person(callers, 1)["id"], role="cyclist"
    )
    response = getattr(callers, who).request(
        method,
        f"{API}/stages/{stage['id']}/riders/{rider['id']}",
        json={"status": "confirmed"} if method == "PATCH" else None,
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == status


def test_remove_rider_and_unknown_rider(callers: Callers, stage: dict[str, Any]) -> None:
    rider = invite(
        callers.county_15, stage["id"], person_id=person(callers, 1)["id"], role="cyclist"
    )
    url = f"{API}/stages/{stage['id']}/riders/{rider['id']}"
    problem(
        callers.county_15.delete(url, headers=STALE),
        412,
        "precondition_failed",
    )
    assert (
        callers.county_15.delete(url, headers=if_match(callers.county_15, url)).status_code == 204
    )
    problem(callers.anonymous.get(url), 404, "rider_not_found")
