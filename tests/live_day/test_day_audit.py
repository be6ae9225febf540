"""What an entry changes on the day is audited with it: a handover flagged late, a
measure's window at risk, a stage's delay past the limit, and each cleared again; computed
from the log as it stands, once per change, never again on a retry."""

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from sykkelturen.clock import FixedClock
from sykkelturen.live import service, stream
from sykkelturen.security import Actor
from sykkelturen.tours.models import Tour
from tests.conftest import Callers
from tests.daylog.conftest import at, moment, post_entry
from tests.factories import API, make_stage, ok, upload


def flags(callers: Callers) -> list[tuple[str, str, Any]]:
    items = ok(
        callers.national.get(
            f"{API}/audit", params={"resource_type": "stage_day_flag", "limit": 500}
        )
    )["items"]
    return sorted((e["resource_id"], e["action"], e["changes"]["entry_id"]["after"]) for e in items)


@pytest.fixture
def crossing(callers: Callers, day: dict[str, Any]) -> dict[str, Any]:
    return ok(
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


def test_flags_set_and_cleared_once_each(
    callers: Callers, day: dict[str, Any], crossing: dict[str, Any], clock: FixedClock
) -> None:
    sid, handover = day["stage"]["id"], day["handover"]["id"]
    late, risk, delayed = (
        f"{sid}/handover/{handover}/late",
        f"{sid}/measure/{crossing['id']}/at_risk",
        f"{sid}/delayed",
    )
    clock.at = moment("11:31")
    on_time = ok(
        post_entry(callers.county_15, sid, "s", kind="start", occurred_at=at("11:30")), 201
    )
    assert flags(callers) == []  # nothing to flag on time

    # A correction: they really left at 11:48. The handover is late, the crossing at risk,
    # the stage delayed, each recorded once, naming the entry that did it.
    clock.at = moment("11:50")
    body = {"kind": "start", "occurred_at": at("11:48"), "supersedes": on_time["id"]}
    fix = ok(post_entry(callers.county_15, sid, "fix", **body), 201)
    expected = sorted(
        [(late, "flag", fix["id"]), (risk, "flag", fix["id"]), (delayed, "flag", fix["id"])]
    )
    assert flags(callers) == expected
    # A retry (the answer got lost) records nothing again.
    ok(post_entry(callers.county_15, sid, "fix", **body), 200)
    assert flags(callers) == expected
    record = ok(callers.national.get(f"{API}/audit", params={"resource_type": "stage_day_flag"}))
    (late_record,) = [e for e in record["items"] if e["resource_id"] == late]
    assert late_record["changes"]["delay_minutes"]["after"] == 18
    expected_at = late_record["changes"]["expected"]["after"].replace("Z", "+00:00")
    assert dt.datetime.fromisoformat(expected_at) == moment("13:20")

    # Corrected again: they left at 11:31 after all. Every flag clears, once.
    clock.at = moment("11:52")
    back = ok(
        post_entry(
            callers.county_15,
            sid,
            "fix-again",
            kind="start",
            occurred_at=at("11:31"),
            supersedes=fix["id"],
        ),
        201,
    )
    assert flags(callers) == sorted(
        expected + [(k, "clear", back["id"]) for k in (late, risk, delayed)]
    )


def test_the_clock_alone_is_recorded_at_the_next_entry(
    callers: Callers, day: dict[str, Any], clock: FixedClock
) -> None:
    """A stage that has not started by its time moves on its own; the next entry on the
    tour records what that changed (here the second stage's own log)."""
    sid = day["stage"]["id"]
    clock.at = moment("12:10")  # 40 minutes past the start, nothing logged
    other = make_stage(callers.county_15, day["tour"]["id"], sequence=2, start_time="16:00")
    upload(callers.county_15, other["id"], "stage_valldal_stordal.gpx")
    entry = ok(
        post_entry(
            callers.county_15,
            other["id"],
            "i",
            kind="incident",
            occurred_at=at("12:09"),
            severity="minor",
            text="Sykkel 2 mangler pedal",
        ),
        201,
    )
    recorded = {k: (a, e) for k, a, e in flags(callers)}
    assert recorded[f"{sid}/delayed"] == ("flag", entry["id"])


def test_the_streams_view_built_step_by_step_is_the_whole_view(
    app: FastAPI, callers: Callers, day: dict[str, Any], crossing: dict[str, Any], clock: FixedClock
) -> None:
    """The stream brings its day up to date entry by entry, forecasting again only the
    stages an entry touches; what it shows is what a view built from scratch shows."""
    sid = day["stage"]["id"]
    second = make_stage(callers.county_15, day["tour"]["id"], sequence=2, start_time="14:30")
    upload(callers.county_15, second["id"], "stage_valldal_stordal.gpx")
    national = Actor(role="national", name="NF")
    steps = [
        ("11:50", sid, {"kind": "start", "occurred_at": at("11:48")}),
        (
            "11:50",
            second["id"],
            {"kind": "incident", "occurred_at": at("11:49"), "severity": "minor", "text": "x"},
        ),
        (
            "12:31",
            sid,
            {"kind": "pass", "occurred_at": at("12:30"), "checkpoint_id": day["rest"]["id"]},
        ),
        ("12:31", sid, {"kind": "pause", "occurred_at": at("12:31")}),
    ]
    recomputed = []
    with Session(app.state.engine) as session:
        tour = session.get(Tour, day["tour"]["id"])
        assert tour is not None
        for number, (hhmm, stage_id, body) in enumerate(steps):
            clock.at = moment(hhmm)
            ok(post_entry(callers.county_15, stage_id, f"k{number}", **body), 201)
            session.rollback()  # a new snapshot, as the stream takes one per look
            shown = stream.live_view(session, actor=national, tour=tour, clock=clock)
            whole = service.tour_live(session, actor=national, tour=tour, now=clock.now())
            assert shown.model_dump() == whole.model_dump() | {"now": shown.now}
            day_now = stream._days.get(
                (tour.id, moment(hhmm).date(), moment(hhmm).replace(second=0))
            )
            assert day_now is not None
            recomputed.append(day_now.made.recomputed)
    # The incident on the second stage, a minute after the first stage's start (same
    # minute, so the day was brought up to date): only the second stage was forecast again.
    assert recomputed[1] == frozenset({second["id"]})
