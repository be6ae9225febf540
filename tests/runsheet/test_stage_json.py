"""A stage's run-sheet JSON is written straight from plain values (`fragments.build`), not
through the models: it must be exactly what the models write, byte for byte, for every
kind of content (hazards, measures with a person and a partner, team and riders with and
without personal data, the day-of log and expected times), on the demo tour and on a
tour with every feature."""

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI

from sykkelturen import cli
from sykkelturen.clock import FixedClock, SystemClock
from sykkelturen.runsheet.models import StageRunSheet, TourRunSheet
from tests.conftest import Callers
from tests.factories import API, add_rider, make_person, make_stage, ok, upload
from tests.runsheet import test_fragments, test_router

tour = test_router.tour  # the two-stage tour, as a fixture here too
CALLERS = ("national", "anonymous", "county_15", "reader_personal")


def bodies(callers: Callers, tour_id: int) -> dict[str, bytes]:
    """The national sheet as each kind of caller gets it, built from nothing."""
    found = {}
    for who in CALLERS:
        test_fragments.forget_everything()
        response = getattr(callers, who).get(f"{API}/tours/{tour_id}/run-sheet")
        assert response.status_code == 200, response.text
        found[who] = response.content
    return found


def assert_written_as_the_models_write(callers: Callers, tour_id: int) -> int:
    """Every fragment of every caller's sheet, and the whole body, read back into the
    models and written again, give the same bytes; returns how many stages were checked."""
    checked = 0
    for who, body in bodies(callers, tour_id).items():
        sheet = TourRunSheet.model_validate_json(body)
        assert sheet.model_dump_json().encode() == body, who
        for stage in sheet.stages:
            one = stage.model_dump_json().encode()
            assert one in body, (who, stage.sequence)
            assert StageRunSheet.model_validate_json(one).model_dump_json().encode() == one
            checked += 1
    return checked


def test_the_demo_tour_is_written_as_the_models_write_it(
    callers: Callers, settings_env: None
) -> None:
    assert cli.main(["demo"]) == 0
    (found,) = ok(callers.anonymous.get(f"{API}/tours"))["items"]
    body = callers.national.get(f"{API}/tours/{found['id']}/run-sheet").json()
    assert any(s["day"] is not None for s in body["stages"])  # the day-of log is in it
    assert any(s["hazards"] for s in body["stages"])
    assert any(s["contacts"] and s["contacts"]["riders"] for s in body["stages"])
    assert assert_written_as_the_models_write(callers, found["id"]) == 4 * len(body["stages"])


@pytest.fixture
def riding(app: FastAPI) -> Any:
    clock = FixedClock(dt.datetime(2026, 6, 3, 10, 15, tzinfo=dt.UTC))  # 12:15 in Oslo
    app.state.clock = clock
    yield clock
    app.state.clock = SystemClock()


def test_a_tour_with_every_feature_is_written_as_the_models_write_it(
    callers: Callers, tour: dict[str, Any], riding: FixedClock
) -> None:
    for change in (
        "measure with a partner",
        "measure with a person",
        "team member added",
        "rider invited",
        "route reported",
        "checkpoint added",
        "measure submitted",
    ):
        test_fragments.CHANGES[change](callers, tour)
    first = tour["first"]["id"]
    ok(
        callers.county_15.post(
            f"{API}/stages/{first}/measures",
            json={
                "kind": "police_notice",
                "title": "Melding",
                "due_date": "2026-01-05",  # overdue
                "starts_at": "2026-06-03T11:00:00+02:00",
                "ends_at": "2026-06-03T14:00:00+02:00",
            },
        ),
        201,
    )
    add_rider(
        callers.county_15,
        first,
        person_id=make_person(callers.county_15, email="passasjer@example.org")["id"],
        role="passenger",
        status="confirmed",
    )
    later = make_stage(callers.county_15, tour["id"], sequence=3, start_time="15:00", name="Etter")
    upload(callers.county_15, later["id"], "stage_steep_descent.gpx")
    start = test_fragments.items(callers.county_15, f"{API}/stages/{first}/checkpoints")[0]
    ok(
        callers.county_15.post(
            f"{API}/stages/{first}/log",
            json={
                "kind": "start",
                "occurred_at": "2026-06-03T11:38:00+02:00",
                "checkpoint_id": start["id"],
            },
            headers={"Idempotency-Key": "start-1"},
        ),
        201,
    )
    body = callers.national.get(f"{API}/tours/{tour['id']}/run-sheet").json()
    first_stage = body["stages"][0]
    assert first_stage["day"]["started_at"] == "2026-06-03T11:38:00+02:00"
    assert body["stages"][2]["day"] is not None  # carried into the later stage that day
    assert first_stage["legs"]
    assert first_stage["contacts"]["riders"]
    assert body["stages"][2]["hazards"]
    assert {m["measure"]["kind"] for m in first_stage["measures"]} >= {"police_notice"}
    assert [m["title"] for m in body["overdue_measures"]] == ["Melding"]
    assert assert_written_as_the_models_write(callers, tour["id"]) == 4 * 3
