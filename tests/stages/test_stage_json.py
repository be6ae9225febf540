"""A stage's body is written straight from its row (`service.stage_json`, one
`pydantic_core.to_json`), not through the models: a stage read and every page of the stage
list must be exactly what the models write, byte for byte, and a stage's ETag the one
`etag_of` gives its model (the tag its writes answer with), for every kind of content: the
demo tour (day-of log, actual track, transfers), a tour in another zone with every field
set or empty, and stored JSON as older rows may hold it (keys missing, whole numbers)."""

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sykkelturen import cli
from sykkelturen.concurrency import etag_of, etag_of_json
from sykkelturen.pagination import Page
from sykkelturen.stages import service
from sykkelturen.stages.models import Stage, StagePublic
from sykkelturen.tours.models import Tour
from tests.conftest import Callers
from tests.factories import API, add_county, make_stage, make_tour, ok


def model_of(engine: Engine, stage_id: int) -> StagePublic:
    """The stage's body through the models, as its writes build it."""
    with Session(engine) as session:
        stage = session.get(Stage, stage_id)
        assert stage is not None
        tour = session.get(Tour, stage.tour_id)
        assert tour is not None
        return service.stage_public(stage, service.zone_of(tour))


def assert_written_as_the_models_write(client: TestClient, engine: Engine, tour_id: int) -> int:
    """Every page of the tour's stage list (three a page) and every stage read give the
    models' bytes; returns how many stages were checked."""
    checked = 0
    url = f"{API}/tours/{tour_id}/stages?limit=3"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        models = [model_of(engine, item["id"]) for item in page["items"]]
        expected = Page[StagePublic](items=models, next_cursor=page["next_cursor"])
        assert response.content == expected.model_dump_json().encode()
        for model in models:
            one = client.get(f"{API}/stages/{model.id}")
            assert one.content == model.model_dump_json().encode()
            assert one.headers["ETag"] == etag_of(model) == etag_of_json(one.content)
            checked += 1
        cursor = page["next_cursor"]
        url = f"{API}/tours/{tour_id}/stages?limit=3&cursor={cursor}" if cursor else ""
    return checked


def test_the_demo_tour_is_written_as_the_models_write_it(
    callers: Callers, engine: Engine, settings_env: None
) -> None:
    assert cli.main(["demo"]) == 0
    (tour,) = ok(callers.anonymous.get(f"{API}/tours"))["items"]
    stages = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/stages?limit=500"))["items"]
    assert any(s["day"]["log_entries"] and s["day"]["ridden_m"] for s in stages)
    assert any(s["transfer_after"] for s in stages)
    checked = assert_written_as_the_models_write(callers.anonymous, engine, tour["id"])
    assert checked == len(stages)


def test_a_tour_with_every_field_is_written_as_the_models_write_it(
    callers: Callers, engine: Engine
) -> None:
    # Newfoundland: a half-hour offset, and summer time.
    tour = make_tour(callers.national, time_zone="America/St_Johns")
    add_county(callers.national, tour["id"], "15")
    full = make_stage(
        callers.county_15,
        tour["id"],
        sequence=1,
        start_time="23:45",
        speeds_kmh=[7.5, 9, 11.25],
        bikes=3,
        needs={"cyclists": 40, "passengers": 6, "team": {"sweep": 2, "first_aid": 1}},
        transfer_after={"mode": "ferry", "duration_minutes": 95, "note": "Ferja «Æ» kl. 18"},
        notes="Første linje\nandre linje\tmed tab",
    )
    empty = make_stage(
        callers.county_15,
        tour["id"],
        sequence=2,
        date="2026-06-04",
        start_time=None,
        start_place=None,
        finish_place=None,
        needs={"pilots": 0},
    )
    assert full["start_time"] == "23:45:00"
    assert empty["starts_at"] is None
    assert assert_written_as_the_models_write(callers.anonymous, engine, tour["id"]) == 2
    # A personal-data caller gets the same body (a stage shows none).
    assert assert_written_as_the_models_write(callers.national, engine, tour["id"]) == 2


def test_stored_json_is_read_as_the_models_read_it(callers: Callers, engine: Engine) -> None:
    tour = make_tour(callers.national)
    add_county(callers.national, tour["id"], "15")
    stage = make_stage(callers.county_15, tour["id"])
    table: Any = Stage.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(
            sa.update(table)
            .where(table.c.id == stage["id"])
            .values(needs={}, speeds_kmh=[8, 12], transfer_after={"mode": "vehicle"})
        )
    body = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}"))
    assert body["speeds_kmh"] == [8.0, 12.0]
    assert body["needs"] == {"pilots": None, "cyclists": 0, "passengers": 0, "team": {}}
    assert body["transfer_after"] == {"mode": "vehicle", "duration_minutes": None, "note": None}
    assert assert_written_as_the_models_write(callers.anonymous, engine, tour["id"]) == 1
