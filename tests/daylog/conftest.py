import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from sykkelturen.clock import FixedClock, SystemClock
from tests.conftest import Callers
from tests.factories import API, make_stage, ok, tour_with_counties, upload

OSLO = dt.timezone(dt.timedelta(hours=2))  # summer time on the stage's day


def at(hhmm: str, day: str = "2026-06-03") -> str:
    """A local time on the stage's day, as a phone sends it."""
    return f"{day}T{hhmm}:00+02:00"


def moment(hhmm: str, day: str = "2026-06-03") -> dt.datetime:
    return dt.datetime.fromisoformat(at(hhmm, day))


@pytest.fixture
def clock(app: FastAPI) -> Iterator[FixedClock]:
    fixed = FixedClock(moment("11:00"))
    app.state.clock = fixed
    yield fixed
    app.state.clock = SystemClock()


@pytest.fixture
def day(callers: Callers, clock: FixedClock) -> dict[str, Any]:
    """A stage on 3 June 2026 at 11:30 with a route (about 25 km), start, a rest (20 min),
    a handover and the finish."""
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"], sequence=1, start_time="11:30")
    route = upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    points = f"{API}/stages/{stage['id']}/checkpoints"
    distance_km = route["distance_m"] / 1000
    made = {}
    for name, kind, km, dwell in (
        ("Valldal stadion", "start", 0, 0),
        ("Rast", "rest", 6, 20),
        ("Overlevering", "handover", 12, 0),
    ):
        made[kind] = ok(
            callers.county_15.post(
                points, json={"name": name, "kind": kind, "km": km, "dwell_minutes": dwell}
            ),
            201,
        )
    return {"tour": tour, "stage": stage, "route": route, "distance_km": distance_km, **made}


def post_entry(client: Any, stage_id: int, key: str, **body: Any) -> Any:
    return client.post(f"{API}/stages/{stage_id}/log", json=body, headers={"Idempotency-Key": key})
