"""Issue 12, "a rule enforced on one path only": each rule as a table over its pure module,
and over HTTP on every path that can break it."""

from types import ModuleType
from typing import Any

import pytest

from sykkelturen.activities import status as activity_status
from sykkelturen.activities.models import ActivityStatus
from sykkelturen.checkpoints.rules import holder_of as kind_holder
from sykkelturen.measures import status as measure_status
from sykkelturen.riders import status as rider_status
from sykkelturen.riders.models import RiderStatus
from sykkelturen.routes import status as route_status
from sykkelturen.team.roles import holder_of as role_holder
from tests.conftest import Callers
from tests.factories import (
    API,
    add_rider,
    if_match,
    leg_keys,
    make_person,
    make_stage,
    ok,
    problem,
    sample,
    tour_with_counties,
    upload,
)


@pytest.mark.parametrize(
    ("kind", "others", "itself", "holder"),
    [
        ("start", [], None, None),
        ("start", [(1, "finish"), (2, "handover")], None, None),
        ("start", [(1, "start")], None, 1),
        ("finish", [(1, "start"), (4, "finish")], None, 4),
        ("start", [(1, "start")], 1, None),  # itself, edited
        ("handover", [(1, "handover"), (2, "handover")], None, None),
        ("rest", [(1, "rest")], None, None),
    ],
)
def test_one_start_one_finish(
    kind: str, others: list[tuple[int, str]], itself: int | None, holder: int | None
) -> None:
    assert kind_holder(kind, others, itself) == holder


@pytest.mark.parametrize(
    ("members", "person", "role", "itself", "holder"),
    [
        ([], 7, "stage_leader", None, None),
        ([(1, 7, "stage_leader")], 7, "stage_leader", None, 1),
        ([(1, 7, "stage_leader")], 7, "first_aid", None, None),  # one person, two roles
        ([(1, 7, "stage_leader")], 8, "stage_leader", None, None),  # two leaders
        ([(1, 7, "stage_leader")], 7, "stage_leader", 1, None),  # itself, edited
        ([(1, None, "host")], None, "host", None, None),  # erased places repeat
    ],
)
def test_one_holder_per_role(
    members: list[tuple[int, int | None, str]],
    person: int | None,
    role: str,
    itself: int | None,
    holder: int | None,
) -> None:
    assert role_holder(members, person, role, itself) == holder


STATUS_TABLES: list[tuple[ModuleType, set[str]]] = [
    (activity_status, {"idea", "planned", "confirmed", "done", "cancelled"}),
    (rider_status, {"invited", "confirmed", "declined", "withdrawn"}),
    (measure_status, {"draft", "submitted", "accepted", "returned"}),
    (route_status, {"draft", "reported", "final"}),
]


def _reachable(module: ModuleType) -> set[str]:
    if hasattr(module, "ALLOWED"):
        edges = {(str(a), str(b)) for a, targets in module.ALLOWED.items() for b in targets}
    else:
        edges = {(str(a), str(b)) for (a, _), b in module.TRANSITIONS.items()}
    seen, todo = {str(module.FIRST)}, [str(module.FIRST)]
    while todo:
        current = todo.pop()
        for a, b in edges:
            if a == current and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


@pytest.mark.parametrize(("module", "states"), STATUS_TABLES)
def test_every_status_is_reached_from_the_first(module: ModuleType, states: set[str]) -> None:
    assert _reachable(module) == states


@pytest.mark.parametrize(
    ("module", "status", "enters"),
    [
        (activity_status, ActivityStatus.idea, True),
        *((activity_status, s, False) for s in ActivityStatus if s != ActivityStatus.idea),
        (rider_status, RiderStatus.invited, True),
        *((rider_status, s, False) for s in RiderStatus if s != RiderStatus.invited),
    ],
)
def test_a_new_row_enters_at_the_first_state(module: ModuleType, status: Any, enters: bool) -> None:
    assert module.may_enter(status) is enters


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    stage = make_stage(callers.county_15, tour_with_counties(callers.national)["id"], bikes=2)
    upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    return stage


class TestSeats:
    def test_lowering_bikes_below_the_passengers_is_409_naming_the_legs(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        first, second = leg_keys(callers.anonymous, stage["id"])
        for n in range(4):
            person = make_person(callers.county_15, name=f"P{n}", email=f"p{n}@example.org")
            add_rider(
                callers.county_15,
                stage["id"],
                person_id=person["id"],
                role="passenger",
                status="confirmed",
                legs=[first] if n < 3 else [],
            )
        url = f"{API}/stages/{stage['id']}"
        body = problem(
            callers.county_15.patch(
                url, json={"bikes": 1}, headers=if_match(callers.county_15, url)
            ),
            409,
            "seats_taken",
        )
        assert f"leg {first} has 4" in body["detail"]
        assert second not in body["detail"]
        assert ok(callers.anonymous.get(url))["bikes"] == 2
        ok(
            callers.county_15.patch(
                url, json={"bikes": 3}, headers=if_match(callers.county_15, url)
            )
        )

    def test_a_declined_passenger_frees_the_seat(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        riders = []
        for n in range(3):
            person = make_person(callers.county_15, name=f"P{n}", email=f"p{n}@example.org")
            riders.append(
                add_rider(callers.county_15, stage["id"], person_id=person["id"], role="passenger")
            )
        url = f"{API}/stages/{stage['id']}"
        problem(
            callers.county_15.patch(
                url, json={"bikes": 1}, headers=if_match(callers.county_15, url)
            ),
            409,
            "seats_taken",
        )
        ok(
            callers.county_15.patch(
                f"{url}/riders/{riders[0]['id']}",
                json={"status": "declined"},
                headers=if_match(callers.county_15, f"{url}/riders/{riders[0]['id']}"),
            )
        )
        ok(
            callers.county_15.patch(
                url, json={"bikes": 1}, headers=if_match(callers.county_15, url)
            )
        )


class TestOneStartOneFinish:
    def test_a_second_start_or_finish_is_409_on_every_path(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        checkpoints = f"{API}/stages/{stage['id']}/checkpoints"
        start = next(
            c for c in ok(callers.anonymous.get(checkpoints))["items"] if c["kind"] == "start"
        )
        for kind in ("start", "finish"):
            body = problem(
                callers.county_15.post(checkpoints, json={"name": "Igjen", "kind": kind, "km": 3}),
                409,
                "checkpoint_kind_taken",
            )
            assert f"already has a {kind}" in body["detail"]
        rest = ok(
            callers.county_15.post(checkpoints, json={"name": "Rast", "kind": "rest", "km": 3}), 201
        )
        problem(
            callers.county_15.patch(
                f"{checkpoints}/{rest['id']}",
                json={"kind": "start"},
                headers=if_match(callers.county_15, f"{checkpoints}/{rest['id']}"),
            ),
            409,
            "checkpoint_kind_taken",
        )
        # the start itself may be edited, and a new route's waypoints may not add another
        ok(
            callers.county_15.patch(
                f"{checkpoints}/{start['id']}",
                json={"kind": "start", "name": "Start"},
                headers=if_match(callers.county_15, f"{checkpoints}/{start['id']}"),
            )
        )
        problem(
            callers.county_15.put(
                f"{API}/stages/{stage['id']}/route",
                params={"waypoints": "import", "note": "v2"},
                content=sample("stage_with_waypoints.gpx").replace(b"Etappe 21", b"Etappe 21 v2"),
                headers={"Content-Type": "application/gpx+xml"},
            ),
            409,
            "checkpoint_kind_taken",
        )
        kinds = [c["kind"] for c in ok(callers.anonymous.get(checkpoints))["items"]]
        assert (kinds.count("start"), kinds.count("finish")) == (1, 1)


class TestOneHolderPerRole:
    def test_the_same_person_twice_as_stage_leader_is_409(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        team = f"{API}/stages/{stage['id']}/team"
        person = make_person(callers.county_15)
        other = make_person(callers.county_15, name="Kari", email="kari@example.org")
        ok(
            callers.county_15.post(team, json={"person_id": person["id"], "role": "stage_leader"}),
            201,
        )
        body = problem(
            callers.county_15.post(team, json={"person_id": person["id"], "role": "stage_leader"}),
            409,
            "duplicate_role_holder",
        )
        assert "already stage_leader" in body["detail"]
        aid = ok(
            callers.county_15.post(team, json={"person_id": person["id"], "role": "first_aid"}), 201
        )
        ok(
            callers.county_15.post(team, json={"person_id": other["id"], "role": "stage_leader"}),
            201,
        )
        problem(
            callers.county_15.patch(
                f"{team}/{aid['id']}",
                json={"role": "stage_leader"},
                headers=if_match(callers.county_15, f"{team}/{aid['id']}"),
            ),
            409,
            "duplicate_role_holder",
        )


class TestStatusTablesEnteredAtTheFirstState:
    @pytest.mark.parametrize("status", ["planned", "confirmed", "done", "cancelled"])
    def test_an_activity_is_created_as_an_idea_only(
        self, callers: Callers, stage: dict[str, Any], status: str
    ) -> None:
        problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/activities",
                json={"kind": "activity", "title": "Kaffe", "status": status},
            ),
            409,
            "illegal_activity_transition",
        )
        assert ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/activities"))["items"] == []

    @pytest.mark.parametrize("status", ["confirmed", "declined", "withdrawn"])
    def test_a_rider_is_created_as_invited_only(
        self, callers: Callers, stage: dict[str, Any], status: str
    ) -> None:
        person = make_person(callers.county_15)
        problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/riders",
                json={"person_id": person["id"], "role": "cyclist", "status": status},
            ),
            409,
            "illegal_rider_transition",
        )
