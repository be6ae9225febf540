from typing import Any

import pytest

from sykkelturen.progress.phases import Phase, StageFacts, phase_of, plan_items, report_items
from tests.conftest import Callers
from tests.factories import API, act, make_stage, ok, problem, tour_with_counties, upload

BOTH_ENDS = frozenset({"start", "finish"})


@pytest.mark.parametrize(
    ("status", "kinds", "phase"),
    [
        (None, frozenset(), Phase.plan),
        (None, BOTH_ENDS, Phase.plan),
        ("draft", BOTH_ENDS, Phase.plan),
        ("reported", frozenset({"start"}), Phase.plan),
        ("reported", BOTH_ENDS, Phase.engage),
        ("final", BOTH_ENDS | {"handover"}, Phase.engage),
    ],
)
def test_phase_rules(status: str | None, kinds: frozenset[str], phase: Phase) -> None:
    assert phase_of(StageFacts(route_status=status, checkpoint_kinds=kinds)) == phase


def test_plan_items_say_what_is_missing() -> None:
    items = plan_items(StageFacts(route_status="draft", checkpoint_kinds=frozenset({"start"})))
    assert [(i.key, i.done) for i in items] == [
        ("route_uploaded", True),
        ("route_reported", False),
        ("start_and_finish", False),
    ]


def test_stages_filter_by_phase(callers: Callers) -> None:
    tour = tour_with_counties(callers.national)
    planning = make_stage(callers.county_15, tour["id"], sequence=1)
    done = make_stage(callers.county_15, tour["id"], sequence=2, date="2026-06-04")
    upload(callers.county_15, done["id"], "stage_with_waypoints.gpx", waypoints="import")
    ok(act(callers.county_15, f"{API}/stages/{done['id']}/route", "report"))
    upload(callers.county_15, planning["id"], "stage_valldal_stordal.gpx")  # not reported
    url = f"{API}/tours/{tour['id']}/stages"

    def sequences(phase: str) -> list[int]:
        return [
            s["sequence"] for s in ok(callers.anonymous.get(url, params={"phase": phase}))["items"]
        ]

    assert sequences("plan") == [1]
    assert sequences("engage") == [2]
    assert sequences("prepare") == []
    problem(callers.anonymous.get(url, params={"phase": "dream"}), 422, "validation_failed")


def test_phase_filter_pages(callers: Callers) -> None:
    tour = tour_with_counties(callers.national)
    for n in (1, 2, 3):
        make_stage(callers.county_15, tour["id"], sequence=n, date=f"2026-06-0{n}")
    first: dict[str, Any] = ok(
        callers.anonymous.get(
            f"{API}/tours/{tour['id']}/stages", params={"phase": "plan", "limit": 2}
        )
    )
    rest = ok(
        callers.anonymous.get(
            f"{API}/tours/{tour['id']}/stages",
            params={"phase": "plan", "limit": 2, "cursor": first["next_cursor"]},
        )
    )
    assert [s["sequence"] for s in first["items"] + rest["items"]] == [1, 2, 3]


DONE_PLAN = {"route_status": "final", "checkpoint_kinds": BOTH_ENDS}
DONE_ENGAGE = {"activities_with_responsible": 1, "activities_with_partner": 1}
DONE_PREPARE = {"measure_statuses": ("accepted",), "police_notice_in_time": True}
DONE_PROMOTE = {"signal_event_decided": True, "outreach": 1, "content": 2}
DONE_REPORT = {"outcome_recorded": True, "coverage": 1, "partners_to_tell": 2, "partners_told": 2}


@pytest.mark.parametrize(
    ("facts", "phase"),
    [
        (DONE_PLAN, Phase.engage),
        (DONE_PLAN | {"activities_with_responsible": 1}, Phase.engage),
        (DONE_PLAN | DONE_ENGAGE, Phase.prepare),
        (DONE_PLAN | DONE_ENGAGE | DONE_PREPARE | {"team_short": ("first_aid",)}, Phase.prepare),
        (
            DONE_PLAN
            | DONE_ENGAGE
            | {"measure_statuses": ("accepted", "submitted"), "police_notice_in_time": True},
            Phase.prepare,
        ),
        (DONE_PLAN | DONE_ENGAGE | DONE_PREPARE, Phase.promote),
        (
            DONE_PLAN | DONE_ENGAGE | DONE_PREPARE | DONE_PROMOTE,
            Phase.report,
        ),
        (DONE_PLAN | DONE_ENGAGE | DONE_PREPARE | DONE_PROMOTE | DONE_REPORT, Phase.report),
    ],
)
def test_later_phases(facts: dict[str, Any], phase: Phase) -> None:
    assert phase_of(StageFacts(**facts)) == phase


@pytest.mark.parametrize(
    ("facts", "done"),
    [
        ({}, {"outcome_recorded": False, "coverage_logged": False, "partners_told": False}),
        (
            {"outcome_recorded": True},
            {"outcome_recorded": True, "coverage_logged": False, "partners_told": True},
        ),
        (
            {"outcome_recorded": True, "partners_to_tell": 3, "partners_told": 2},
            {"outcome_recorded": True, "coverage_logged": False, "partners_told": False},
        ),
        (
            {"partners_to_tell": 1, "partners_told": 1, "coverage": 4},
            {"outcome_recorded": False, "coverage_logged": True, "partners_told": False},
        ),
        (
            DONE_REPORT,
            dict.fromkeys(("outcome_recorded", "coverage_logged", "partners_told"), True),
        ),
    ],
)
def test_report_items(facts: dict[str, Any], done: dict[str, bool]) -> None:
    items = report_items(StageFacts(route_status="final", checkpoint_kinds=BOTH_ENDS, **facts))
    assert {i.key: i.done for i in items} == done
    assert all((i.detail is None) == i.done for i in items)
