"""A whole day on a controlled clock: a late start, an offline phone that sends three
entries late, out of order and twice, a pause, a handover, a crossing window missed, and
the next stage's start moving; the national run sheet and `/live` agree at every step."""

import datetime as dt
from typing import Any

import pytest

from sykkelturen.clock import FixedClock
from tests.conftest import Callers
from tests.daylog.conftest import at, moment, post_entry
from tests.factories import API, make_stage, ok, upload


def minute(value: str | None) -> str | None:
    """A live time to the minute, as the run sheet shows it."""
    if value is None:
        return None
    rounded = dt.datetime.fromisoformat(value) + dt.timedelta(seconds=30)
    return rounded.replace(second=0, microsecond=0).isoformat()


@pytest.fixture
def tour(callers: Callers, day: dict[str, Any]) -> dict[str, Any]:
    tour_id = day["tour"]["id"]
    ok(
        callers.county_15.post(
            f"{API}/stages/{day['stage']['id']}/measures",
            json={
                "kind": "road_crossing",
                "title": "Kryssing med politi",
                "km": 9,
                "starts_at": at("12:40"),
                "ends_at": at("12:50"),
            },
        ),
        201,
    )
    # The same bikes ride on in the afternoon.
    second = make_stage(
        callers.county_15, tour_id, sequence=2, start_time="14:30", name="Stordal – Sjøholt"
    )
    upload(callers.county_15, second["id"], "stage_valldal_stordal.gpx")
    return day | {"second": second}


def check_agreement(callers: Callers, tour: dict[str, Any]) -> dict[str, Any]:
    """The national sheet and /live say the same of both stages; returns /live's stages."""
    view = ok(callers.national.get(f"{API}/tours/{tour['tour']['id']}/live"))
    sheet = ok(callers.national.get(f"{API}/tours/{tour['tour']['id']}/run-sheet"))
    live = {s["stage_id"]: s for s in view["stages"]}
    for stage in sheet["stages"]:
        on_day = live[stage["stage_id"]]
        assert stage["day"]["status"] == on_day["status"]
        assert stage["day"]["delay_minutes"] == on_day["delay_minutes"]
        assert stage["day"]["finish_expected"] == minute(on_day["finish"]["expected"])
        places = {p["checkpoint_id"]: p for p in on_day["places"]}
        for line in stage["lines"]:
            assert line["expected"] == minute(places[line["checkpoint_id"]]["expected"])
            assert line["actual"] == places[line["checkpoint_id"]]["actual"]
    return live


def test_a_whole_day(callers: Callers, tour: dict[str, Any], clock: FixedClock) -> None:
    first, second = tour["stage"]["id"], tour["second"]["id"]
    phone = callers.county_15

    # 11:00 — the plan stands.
    live = check_agreement(callers, tour)
    assert live[first]["status"] == "planned"
    assert live[first]["next_handover"]["expected"] == "2026-06-03T13:02:00+02:00"
    assert live[second]["expected_start"] == "2026-06-03T14:30:00+02:00"

    # 11:50 — the bikes left at 11:48, 18 minutes late.
    clock.at = moment("11:50")
    ok(post_entry(phone, first, "start", kind="start", occurred_at=at("11:48")), 201)
    live = check_agreement(callers, tour)
    assert live[first]["status"] == "riding"
    assert live[first]["next_handover"]["expected"] == "2026-06-03T13:20:00+02:00"
    assert live[first]["next_handover"]["late"]
    (crossing,) = live[first]["measures_at_risk"]
    assert crossing["passage"] == "2026-06-03T13:02:00+02:00"
    # The first stage now finishes after 14:30: the second starts when the bikes get there.
    assert live[second]["expected_start"] > "2026-06-03T14:30:00+02:00"
    second_start_after_late_start = live[second]["expected_start"]

    # 13:05 — the phone was offline since noon; it sends its queue (out of order), and
    # because an answer got lost, all of it again.
    clock.at = moment("13:05")
    queue = [
        ("resume", {"kind": "resume", "occurred_at": at("13:02")}),
        ("rest", {"kind": "pass", "occurred_at": at("12:30"), "checkpoint_id": tour["rest"]["id"]}),
        ("flat", {"kind": "pause", "occurred_at": at("12:52")}),
    ]
    for key, body in queue:
        ok(post_entry(phone, first, key, **body), 201)
    for key, body in queue:
        ok(post_entry(phone, first, key, **body), 200)
    entries = ok(callers.national.get(f"{API}/stages/{first}/log"))["items"]
    assert [e["kind"] for e in entries] == ["start", "pass", "pause", "resume"]
    assert [e["late"] for e in entries] == [False, True, True, False]  # 3 min is not late
    assert [e["out_of_order"] for e in entries] == [False, True, True, False]
    live = check_agreement(callers, tour)
    # 6 km in 42 minutes: 8.57 km/h. From the rest at 12:30: its 20 minutes, 6 km at that
    # pace (42 min) and the 10 minutes paused since: the handover at 13:42.
    assert live[first]["pace_kmh"] == pytest.approx(8.57)
    assert live[first]["next_handover"]["expected"] == "2026-06-03T13:42:00+02:00"
    assert live[first]["next_handover"]["delay_minutes"] == 40
    assert live[first]["measures_at_risk"][0]["passage"] == "2026-06-03T13:21:00+02:00"
    assert live[second]["expected_start"] > second_start_after_late_start

    # 13:45 — the handover at Overlevering, 13:44.
    clock.at = moment("13:45")
    ok(
        post_entry(
            phone,
            first,
            "handover",
            kind="handover",
            occurred_at=at("13:44"),
            checkpoint_id=tour["handover"]["id"],
        ),
        201,
    )
    live = check_agreement(callers, tour)
    places = {p["kind"]: p for p in live[first]["places"]}
    assert places["handover"]["actual"] == "2026-06-03T13:44:00+02:00"
    assert places["rest"]["actual"] == "2026-06-03T12:30:00+02:00"
    assert live[first]["next_handover"] is None
    # The crossing was passed at about 13:07 (between the rest and the handover): missed.
    (missed,) = live[first]["measures_at_risk"]
    assert missed["passed"]
    assert missed["passage"].startswith("2026-06-03T13:07")
    assert live[first]["position"]["km"] == pytest.approx(12.14, abs=0.01)  # a minute on

    # 15:20 — arrival; the second stage starts once the bikes are there.
    clock.at = moment("15:20")
    ok(post_entry(phone, first, "arrive", kind="arrive", occurred_at=at("15:18")), 201)
    live = check_agreement(callers, tour)
    assert live[first]["status"] == "arrived"
    assert live[first]["finish"]["actual"] == "2026-06-03T15:18:00+02:00"
    assert live[second]["status"] == "waiting"
    assert live[second]["expected_start"] == "2026-06-03T15:20:00+02:00"

    # passing answers with the expected time on the day too.
    handover = tour["handover"]
    passing = ok(
        callers.anonymous.get(
            f"{API}/tours/{tour['tour']['id']}/passing",
            params={"lat": handover["lat"], "lon": handover["lon"]},
        )
    )
    if passing["stage_id"] == first:
        assert passing["expected"] == "2026-06-03T13:44:00+02:00"
    else:
        assert passing["expected"] is not None
