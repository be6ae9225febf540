"""The live stream in-process: what a listener gets, read as EventSource reads it."""

import json
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from httpx_sse import EventSource
from sqlalchemy.engine import make_url

from sykkelturen.daylog.service import CHANNEL
from tests.conftest import Callers
from tests.daylog.conftest import at, post_entry
from tests.factories import API, ok, problem


def read(client: TestClient, tour_id: int, **headers: str) -> list[Any]:
    """The events of a stream bounded by `max_events` (in the URL)."""
    limit = headers.pop("max_events", "1")
    with client.stream(
        "GET", f"{API}/tours/{tour_id}/live/stream?max_events={limit}", headers=headers
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(EventSource(response).iter_sse())  # type: ignore[arg-type]


class TestStream:
    def test_a_new_listener_gets_the_live_view_first(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        (snapshot,) = read(callers.anonymous, day["tour"]["id"])
        assert snapshot.event == "live"
        assert snapshot.id == "0"
        assert snapshot.retry == 3000
        view = json.loads(snapshot.data)
        assert view["stages"][0]["stage_id"] == day["stage"]["id"]

    def test_a_returning_listener_gets_what_it_missed_once_and_in_order(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        sid = day["stage"]["id"]
        first = ok(
            post_entry(callers.county_15, sid, "1", kind="start", occurred_at=at("10:40")), 201
        )
        second = ok(
            post_entry(callers.county_15, sid, "2", kind="pause", occurred_at=at("10:50")), 201
        )
        events = read(
            callers.anonymous,
            day["tour"]["id"],
            **{"Last-Event-ID": str(first["id"] - 1), "max_events": "2"},
        )
        assert [(e.event, e.id) for e in events] == [
            ("entry", str(first["id"])),
            ("entry", str(second["id"])),
        ]
        latest = json.loads(events[-1].data)
        assert latest["entry"]["kind"] == "pause"
        assert latest["stage"]["status"] == "paused"
        (after,) = read(callers.anonymous, day["tour"]["id"])
        assert after.id == str(second["id"])  # the snapshot names where to resume

    def test_incident_text_only_for_those_who_may_see_it(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        ok(
            post_entry(
                callers.county_15,
                day["stage"]["id"],
                "i",
                kind="incident",
                occurred_at=at("10:50"),
                severity="serious",
                text="Velt ved Linge",
            ),
            201,
        )
        resume = {"Last-Event-ID": "0"}
        (public,) = read(callers.anonymous, day["tour"]["id"], **resume)
        assert json.loads(public.data)["entry"]["text"] is None
        assert json.loads(public.data)["stage"]["open_incidents"][0]["text"] is None
        (full,) = read(callers.county_15, day["tour"]["id"], **resume)
        assert json.loads(full.data)["entry"]["text"] == "Velt ved Linge"

    def test_bad_input_and_unknown_tokens(
        self, callers: Callers, day: dict[str, Any], app: Any
    ) -> None:
        url = f"{API}/tours/{day['tour']['id']}/live/stream?max_events=1"
        problem(callers.anonymous.get(f"{API}/tours/999999/live/stream"), 404, "tour_not_found")
        problem(
            callers.anonymous.get(url, headers={"Last-Event-ID": "x"}), 422, "validation_failed"
        )
        problem(callers.anonymous.get(f"{url}0000000"), 422, "validation_failed")
        stranger = TestClient(app, headers={"Authorization": "Bearer syk_nope"})
        problem(stranger.get(url), 401, "unauthorized")


def test_on_postgresql_a_write_notifies_its_tour_at_commit(
    callers: Callers, day: dict[str, Any], settings: Any
) -> None:
    if settings.is_sqlite:
        return  # SQLite streams poll; there is nothing to notify
    url = make_url(settings.database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        ok(
            post_entry(
                callers.county_15, day["stage"]["id"], "n", kind="start", occurred_at=at("10:40")
            ),
            201,
        )
        got = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
    assert got == [str(day["tour"]["id"])]
