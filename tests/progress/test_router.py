import datetime as dt
from typing import Any

from sykkelturen.clock import today_in
from tests.conftest import Callers
from tests.factories import (
    API,
    act,
    add_county,
    add_rider,
    if_match,
    make_person,
    make_stage,
    make_tour,
    ok,
    problem,
    tour_with_counties,
    upload,
)


def items(progress: dict[str, Any], phase: str) -> dict[str, bool]:
    block = next(p for p in progress["phases"] if p["phase"] == phase)
    return {i["key"]: i["done"] for i in block["items"]}


def test_a_stage_moves_through_the_phases(callers: Callers) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(
        callers.county_15, tour["id"], bikes=1, needs={"pilots": 1, "team": {"stage_leader": 1}}
    )
    url = f"{API}/stages/{stage['id']}/progress"
    first = ok(callers.anonymous.get(url))
    assert first["phase"] == "plan"
    assert items(first, "plan") == {
        "route_uploaded": False,
        "route_reported": False,
        "start_and_finish": False,
    }
    assert (
        next(i for p in first["phases"] for i in p["items"] if i["key"] == "route_uploaded")[
            "detail"
        ]
        == "No route yet."
    )

    upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    ok(act(callers.county_15, f"{API}/stages/{stage['id']}/route", "report"))
    assert ok(callers.anonymous.get(url))["phase"] == "engage"

    partner = ok(
        callers.county_15.post(
            f"{API}/partners", json={"county": "15", "name": "Bygdelaget", "kind": "association"}
        ),
        201,
    )
    signal = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/activities",
            json={
                "kind": "signal_event",
                "title": "Signalarrangement",
                "partner_ids": [partner["id"]],
                "public": True,
            },
        ),
        201,
    )
    ok(
        callers.county_15.patch(
            f"{API}/stages/{stage['id']}/activities/{signal['id']}",
            json={"status": "planned"},
            headers=if_match(
                callers.county_15, f"{API}/stages/{stage['id']}/activities/{signal['id']}"
            ),
        )
    )
    progress = ok(callers.anonymous.get(url))
    assert progress["phase"] == "prepare"
    assert items(progress, "prepare")["route_final"] is False

    person = make_person(callers.county_15, pilot_trained=True)
    ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/team",
            json={"person_id": person["id"], "role": "stage_leader"},
        ),
        201,
    )
    add_rider(
        callers.county_15, stage["id"], person_id=person["id"], role="pilot", status="confirmed"
    )
    ok(act(callers.national, f"{API}/stages/{stage['id']}/route", "finalize"))
    notice = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/measures",
            json={"kind": "police_notice", "title": "Politiet", "due_date": "2099-01-01"},
        ),
        201,
    )
    ok(act(callers.county_15, f"{API}/measures/{notice['id']}", "submit"))
    ok(act(callers.national, f"{API}/measures/{notice['id']}", "accept"))
    progress = ok(callers.anonymous.get(url))
    assert items(progress, "prepare") == dict.fromkeys(items(progress, "prepare"), True)
    assert progress["phase"] == "promote"
    assert items(progress, "promote") == {
        "signal_event_decided": True,
        "press_contacted": False,
        "content_produced": False,
    }

    listed = ok(
        callers.anonymous.get(f"{API}/tours/{tour['id']}/stages", params={"phase": "promote"})
    )["items"]
    assert [s["id"] for s in listed] == [stage["id"]]


def test_tour_matrix_behind_and_at_risk(callers: Callers) -> None:
    soon = today_in("Europe/Oslo") + dt.timedelta(days=7)  # in Oslo, as the service counts days
    tour = make_tour(
        callers.national,
        start_date=soon.isoformat(),
        end_date=(soon + dt.timedelta(days=30)).isoformat(),
    )
    add_county(
        callers.national,
        tour["id"],
        "15",
        start_date=soon.isoformat(),
        end_date=(soon + dt.timedelta(days=5)).isoformat(),
    )
    add_county(
        callers.national,
        tour["id"],
        "50",
        start_date=(soon + dt.timedelta(days=10)).isoformat(),
        end_date=(soon + dt.timedelta(days=20)).isoformat(),
    )
    near = make_stage(callers.county_15, tour["id"], sequence=1, date=soon.isoformat())
    far = make_stage(
        callers.national,
        tour["id"],
        sequence=2,
        county="50",
        date=(soon + dt.timedelta(days=18)).isoformat(),
    )
    upload(callers.national, far["id"], "stage_valldal_stordal.gpx")
    progress = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/progress"))
    assert [c["county"] for c in progress["counties"]] == ["15", "50"]
    assert progress["counties"][0]["percent_by_phase"]["plan"] == 0.0
    assert progress["counties"][1]["percent_by_phase"]["plan"] == round(100 / 3, 1)
    assert progress["most_behind"][0]["stage_id"] == near["id"]
    assert [r["stage_id"] for r in progress["deadlines_at_risk"]] == [near["id"]]
    assert "route_uploaded" in progress["deadlines_at_risk"][0]["open_items"]


def test_unknown(callers: Callers) -> None:
    problem(callers.anonymous.get(f"{API}/stages/999/progress"), 404, "stage_not_found")
    problem(callers.anonymous.get(f"{API}/tours/999/progress"), 404, "tour_not_found")
