from typing import Any

import pytest

from sykkelturen.clock import FixedClock
from tests.conftest import Callers
from tests.daylog.conftest import at, post_entry
from tests.factories import API, make_stage, ok, problem


@pytest.fixture
def crossing(callers: Callers, day: dict[str, Any]) -> dict[str, Any]:
    """Police at km 9 from 12:40 to 12:50; planned passage 11:30 + 54 min + the 20-minute
    rest at km 6 = 12:44."""
    return ok(
        callers.county_15.post(
            f"{API}/stages/{day['stage']['id']}/measures",
            json={
                "kind": "road_crossing",
                "title": "Kryssing av E39 med politi",
                "km": 9,
                "starts_at": at("12:40"),
                "ends_at": at("12:50"),
            },
        ),
        201,
    )


def live(client: Any, tour_id: int) -> dict[str, Any]:
    return ok(client.get(f"{API}/tours/{tour_id}/live"))


def stage_of(view: dict[str, Any]) -> dict[str, Any]:
    (stage,) = view["stages"]
    assert isinstance(stage, dict)
    return stage


class TestLive:
    def test_before_the_start_the_plan_stands(
        self, callers: Callers, day: dict[str, Any], crossing: dict[str, Any]
    ) -> None:
        view = live(callers.anonymous, day["tour"]["id"])
        assert view["date"] == "2026-06-03"
        stage = stage_of(view)
        assert stage["status"] == "planned"
        assert stage["delay_minutes"] == 0
        # 12 km at 10 km/h plus the rest: 11:30 + 72 + 20 min.
        assert stage["next_handover"]["expected"] == "2026-06-03T13:02:00+02:00"
        assert stage["position"]["km"] == 0
        (measure,) = stage["measures"]
        assert measure["passage"] == "2026-06-03T12:44:00+02:00"
        assert not measure["at_risk"]
        assert stage["measures_at_risk"] == []

    def test_a_late_start_moves_the_handover_and_puts_the_crossing_at_risk(
        self, callers: Callers, day: dict[str, Any], crossing: dict[str, Any], clock: FixedClock
    ) -> None:
        clock.advance(minutes=50)  # 11:50, nobody has started
        waiting = stage_of(live(callers.anonymous, day["tour"]["id"]))
        assert waiting["status"] == "waiting"
        assert waiting["delay_minutes"] == 20
        assert waiting["next_handover"]["late"]
        ok(
            post_entry(
                callers.county_15, day["stage"]["id"], "s", kind="start", occurred_at=at("11:50")
            ),
            201,
        )
        stage = stage_of(live(callers.anonymous, day["tour"]["id"]))
        assert stage["status"] == "riding"
        assert stage["started_at"] == "2026-06-03T11:50:00+02:00"
        assert stage["last_entry"]["kind"] == "start"
        assert stage["next_handover"]["expected"] == "2026-06-03T13:22:00+02:00"
        assert stage["next_handover"]["delay_minutes"] == 20
        (risk,) = stage["measures_at_risk"]
        assert risk["measure_id"] == crossing["id"]
        assert risk["passage"] == "2026-06-03T13:04:00+02:00"

    def test_the_position_is_extrapolated_along_the_route(
        self, callers: Callers, day: dict[str, Any], clock: FixedClock
    ) -> None:
        clock.advance(minutes=30)
        ok(
            post_entry(
                callers.county_15, day["stage"]["id"], "s", kind="start", occurred_at=at("11:30")
            ),
            201,
        )
        clock.advance(minutes=18)  # 11:48: 18 min at 10 km/h
        position = stage_of(live(callers.anonymous, day["tour"]["id"]))["position"]
        assert position["km"] == pytest.approx(3.0)
        assert position["extrapolated"]
        assert position["lat"] is not None

    def test_open_incidents_publicly_without_their_text(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        sid = day["stage"]["id"]
        ok(post_entry(callers.county_15, sid, "s", kind="start", occurred_at=at("10:40")), 201)
        incident = ok(
            post_entry(
                callers.county_15,
                sid,
                "i",
                kind="incident",
                occurred_at=at("10:50"),
                severity="minor",
                text="Punktering på sykkel 3",
            ),
            201,
        )
        public = stage_of(live(callers.anonymous, day["tour"]["id"]))
        assert public["open_incidents"] == [
            {
                "entry_id": incident["id"],
                "occurred_at": "2026-06-03T10:50:00+02:00",
                "severity": "minor",
                "km": None,
                "text": None,
            }
        ]
        assert public["last_entry"]["author"] is None
        full = stage_of(live(callers.national, day["tour"]["id"]))
        assert full["open_incidents"][0]["text"] == "Punktering på sykkel 3"
        ok(
            post_entry(
                callers.county_15,
                sid,
                "r",
                kind="resolve",
                occurred_at=at("10:58"),
                incident_id=incident["id"],
            ),
            201,
        )
        assert stage_of(live(callers.county_15, day["tour"]["id"]))["open_incidents"] == []

    def test_only_todays_stages(
        self, callers: Callers, day: dict[str, Any], clock: FixedClock
    ) -> None:
        make_stage(callers.county_15, day["tour"]["id"], sequence=2, date="2026-06-04")
        assert len(live(callers.anonymous, day["tour"]["id"])["stages"]) == 1
        clock.advance(days=10)
        assert live(callers.anonymous, day["tour"]["id"])["stages"] == []

    def test_every_caller_may_look(self, callers: Callers, day: dict[str, Any]) -> None:
        for client in (callers.anonymous, callers.reader, callers.county_50, callers.national):
            assert len(live(client, day["tour"]["id"])["stages"]) == 1

    def test_unknown_tour_is_404_and_bad_id_422(self, callers: Callers) -> None:
        problem(callers.anonymous.get(f"{API}/tours/999999/live"), 404, "tour_not_found")
        problem(callers.anonymous.get(f"{API}/tours/x/live"), 422, "validation_failed")


class TestReplay:
    def test_at_replays_what_had_been_received_by_then(
        self, callers: Callers, day: dict[str, Any], clock: FixedClock
    ) -> None:
        clock.advance(minutes=50)
        ok(
            post_entry(
                callers.county_15, day["stage"]["id"], "s", kind="start", occurred_at=at("11:45")
            ),
            201,
        )  # received 11:50
        url = f"{API}/tours/{day['tour']['id']}/live"
        before = stage_of(ok(callers.anonymous.get(url, params={"at": at("11:49")})))
        assert before["status"] == "waiting"
        assert stage_of(ok(callers.anonymous.get(url)))["status"] == "riding"

    def test_at_in_the_future_or_out_of_range_is_422(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        url = f"{API}/tours/{day['tour']['id']}/live"
        problem(callers.anonymous.get(url, params={"at": at("11:01")}), 422, "value_out_of_range")
        # A date-time with no UTC equivalent is refused with the others (issue 13).
        problem(
            callers.anonymous.get(url, params={"at": "9999-12-31T23:59:59-14:00"}),
            422,
            "validation_failed",
        )
        problem(
            callers.anonymous.get(url, params={"at": "2026-06-03T10:00"}), 422, "validation_failed"
        )
