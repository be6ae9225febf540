"""Legs have identity (issue 12, "legs are positions"): a leg is named by its bounding
checkpoints, and riders and team members keep what they were assigned when handovers
are added, moved or removed, or are flagged `leg_changed`, never silently re-meant."""

from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import (
    API,
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
    """Steinkjer – Straumen, 21 km: start, a handover at Røra (km 15.25), finish."""
    stage = make_stage(callers.county_15, tour_with_counties(callers.national)["id"], bikes=1)
    upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    return stage


def checkpoints(callers: Callers, stage: dict[str, Any]) -> dict[str, dict[str, Any]]:
    items = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/checkpoints"))["items"]
    return {c["kind"]: c for c in items}


def legs(callers: Callers, stage: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/legs"))[
        "items"
    ]
    return items


def rider(callers: Callers, stage: dict[str, Any], n: int, **data: Any) -> dict[str, Any]:
    person = make_person(callers.county_15, name=f"Person {n}", email=f"p{n}@example.org")
    body = {"person_id": person["id"], "role": "cyclist"} | data
    return ok(callers.county_15.post(f"{API}/stages/{stage['id']}/riders", json=body), 201)


def read(
    callers: Callers, stage: dict[str, Any], what: str, item: dict[str, Any]
) -> dict[str, Any]:
    return ok(callers.county_15.get(f"{API}/stages/{stage['id']}/{what}/{item['id']}"))


def add_handover(
    callers: Callers, stage: dict[str, Any], km: float, name: str = "Ny"
) -> dict[str, Any]:
    return ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/checkpoints",
            json={"name": name, "kind": "handover", "km": km},
        ),
        201,
    )


def edit_checkpoint(
    callers: Callers, stage: dict[str, Any], checkpoint: dict[str, Any], **data: Any
) -> dict[str, Any]:
    url = f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}"
    return ok(callers.county_15.patch(url, json=data, headers=if_match(callers.county_15, url)))


class TestLegNames:
    def test_a_leg_is_named_by_its_bounding_checkpoints(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        handover = checkpoints(callers, stage)["handover"]
        first, second = legs(callers, stage)
        assert (first["key"], second["key"]) == (f"start-{handover['id']}", f"{handover['id']}-end")
        assert (first["number"], second["number"]) == (1, 2)
        assert first["to_checkpoint_id"] == second["from_checkpoint_id"] == handover["id"]
        assert first["from_name"] == "Start: Steinkjer sentrum"

    def test_without_handovers_one_leg_start_end(self, callers: Callers) -> None:
        stage = make_stage(callers.county_15, tour_with_counties(callers.national)["id"])
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        (leg,) = legs(callers, stage)
        assert (leg["key"], leg["from_name"], leg["to_name"]) == (
            "start-end",
            "Valldal stadion",
            "Stordal sentrum",
        )

    def test_old_clients_naming_legs_by_number_fail_loudly(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        person = make_person(callers.county_15)
        for url in (f"{API}/stages/{stage['id']}/riders", f"{API}/stages/{stage['id']}/team"):
            role = "pilot" if url.endswith("riders") else "safety_lead"
            body = problem(
                callers.county_15.post(
                    url, json={"person_id": person["id"], "role": role, "legs": [1]}
                ),
                422,
                "validation_failed",
            )
            assert "by key" in body["detail"]

    def test_a_stretch_between_two_boundaries_covers_the_legs_between(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        early = add_handover(callers, stage, 5)
        keys = leg_keys(callers.anonymous, stage["id"])
        assert len(keys) == 3
        handover = next(
            c
            for c in ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/checkpoints"))["items"]
            if c["kind"] == "handover" and c["id"] != early["id"]
        )
        whole_way = rider(callers, stage, 1, legs=[f"start-{handover['id']}"])
        assert whole_way["legs"] == keys[:2]
        problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/riders",
                json={
                    "person_id": whole_way["person"]["id"],
                    "role": "pilot",
                    "legs": [f"{handover['id']}-{early['id']}"],
                },
            ),
            422,
            "unknown_leg",
        )


class TestAddingAHandover:
    def test_riders_and_team_keep_their_stretch(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        first, second = legs(callers, stage)
        cyclist = rider(callers, stage, 1, legs=[second["key"]])
        lead = make_person(callers.county_15, name="Sikkerhet", email="s@example.org")
        safety = ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/team",
                json={"person_id": lead["id"], "role": "safety_lead", "legs": [first["key"]]},
            ),
            201,
        )
        for step in ("report", "finalize"):  # even on a final route
            ok(
                callers.county_15.post(
                    f"{API}/stages/{stage['id']}/route/{step}", headers={"If-Match": "*"}
                )
            )
        added = add_handover(callers, stage, 5)  # before Røra: splits the first leg
        now = legs(callers, stage)
        assert [leg["key"] for leg in now] == [
            f"start-{added['id']}",
            f"{added['id']}-{first['to_checkpoint_id']}",
            second["key"],
        ]
        assert read(callers, stage, "riders", cyclist)["legs"] == [second["key"]]
        after = read(callers, stage, "team", safety)
        assert after["legs"] == [now[0]["key"], now[1]["key"]]  # still Steinkjer → Røra
        assert not after["leg_changed"]
        assert now[0]["distance_m"] + now[1]["distance_m"] == pytest.approx(
            first["distance_m"], abs=1
        )


class TestRemovingAHandover:
    def test_an_assignment_ending_there_is_flagged_not_re_meant(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        handover = checkpoints(callers, stage)["handover"]
        first, second = leg_keys(callers.anonymous, stage["id"])
        on_second = rider(callers, stage, 1, legs=[second])
        whole = rider(callers, stage, 2, legs=[first, second])
        url = f"{API}/stages/{stage['id']}/checkpoints/{handover['id']}"
        assert (
            callers.county_15.delete(url, headers=if_match(callers.county_15, url)).status_code
            == 204
        )
        assert leg_keys(callers.anonymous, stage["id"]) == ["start-end"]

        flagged = read(callers, stage, "riders", on_second)
        assert flagged["leg_changed"] is True
        assert flagged["legs"] == [second]  # what was assigned, not [] (the whole stage)
        assert flagged["changed_legs"] == [
            {"key": second, "reason": f"handover {handover['id']} was deleted"}
        ]
        # Two consecutive legs were one stretch, start to end: still the whole way.
        kept = read(callers, stage, "riders", whole)
        assert (kept["legs"], kept["leg_changed"]) == (["start-end"], False)

        staffing = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/staffing"))
        assert staffing["leg_changed"] == [
            {
                "rider_id": on_second["id"],
                "team_member_id": None,
                "role": "cyclist",
                "key": second,
                "reason": f"handover {handover['id']} was deleted",
            }
        ]
        (only,) = staffing["legs"]
        invited = {r["role"]: r["invited"] for r in only["roles"]}
        assert invited["cyclist"] == 1  # the flagged rider counts nowhere until re-assigned

        fixed = ok(
            callers.county_15.patch(
                f"{API}/stages/{stage['id']}/riders/{on_second['id']}",
                json={"legs": ["start-end"]},
                headers=if_match(
                    callers.county_15, f"{API}/stages/{stage['id']}/riders/{on_second['id']}"
                ),
            )
        )
        assert (fixed["legs"], fixed["leg_changed"]) == (["start-end"], False)
        assert (
            ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/staffing"))["leg_changed"] == []
        )

    def test_a_handover_turned_rest_flags_its_legs(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        handover = checkpoints(callers, stage)["handover"]
        first, _ = leg_keys(callers.anonymous, stage["id"])
        on_first = rider(callers, stage, 1, legs=[first])
        edit_checkpoint(callers, stage, handover, kind="rest")
        flagged = read(callers, stage, "riders", on_first)
        assert flagged["leg_changed"]
        assert "is a rest, not a handover" in flagged["changed_legs"][0]["reason"]


class TestMovingAHandover:
    def test_moving_it_keeps_the_leg(self, callers: Callers, stage: dict[str, Any]) -> None:
        handover = checkpoints(callers, stage)["handover"]
        first, _ = legs(callers, stage)
        on_first = rider(callers, stage, 1, legs=[first["key"]])
        edit_checkpoint(callers, stage, handover, km=10)
        moved, _ = legs(callers, stage)
        assert moved["key"] == first["key"]
        assert moved["km_to"] == 10
        kept = read(callers, stage, "riders", on_first)
        assert (kept["legs"], kept["leg_changed"]) == ([first["key"]], False)

    def test_reordering_handovers_flags_the_leg_between(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        roera = checkpoints(callers, stage)["handover"]
        early = add_handover(callers, stage, 5, name="Tidlig")
        between = f"{early['id']}-{roera['id']}"
        assert between in leg_keys(callers.anonymous, stage["id"])
        on_between = rider(callers, stage, 1, legs=[between])
        edit_checkpoint(callers, stage, early, km=18)  # now after Røra
        flagged = read(callers, stage, "riders", on_between)
        assert flagged["leg_changed"]
        assert (
            flagged["changed_legs"][0]["reason"]
            == f"{roera['id']} now comes before {early['id']} along the route"
        )


class TestRulesFollowKeys:
    def test_seats_counted_per_leg_key(self, callers: Callers, stage: dict[str, Any]) -> None:
        first, second = leg_keys(callers.anonymous, stage["id"])
        rider(callers, stage, 1, role="passenger", legs=[first])
        rider(callers, stage, 2, role="passenger", legs=[first])
        rider(callers, stage, 3, role="passenger", legs=[second])
        add_handover(callers, stage, 5)  # the first leg splits; both passengers ride both parts
        problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/riders",
                json={
                    "person_id": make_person(callers.county_15, name="P4", email="p4@example.org")[
                        "id"
                    ],
                    "role": "passenger",
                    "legs": [leg_keys(callers.anonymous, stage["id"])[0]],
                },
            ),
            422,
            "rickshaw_full",
        )


def test_a_flagged_assignment_gets_a_new_etag(callers: Callers, stage: dict[str, Any]) -> None:
    """The flag is part of the rider's body: a client holding the old ETag gets the new
    body, not a 304."""
    handover = checkpoints(callers, stage)["handover"]
    _, second = leg_keys(callers.anonymous, stage["id"])
    on_second = rider(callers, stage, 1, legs=[second])
    url = f"{API}/stages/{stage['id']}/riders/{on_second['id']}"
    before = callers.county_15.get(url).headers["ETag"]
    checkpoint = f"{API}/stages/{stage['id']}/checkpoints/{handover['id']}"
    assert (
        callers.county_15.delete(
            checkpoint, headers=if_match(callers.county_15, checkpoint)
        ).status_code
        == 204
    )
    again = callers.county_15.get(url, headers={"If-None-Match": before})
    assert again.status_code == 200
    assert again.json()["leg_changed"] is True
    assert again.headers["ETag"] != before
