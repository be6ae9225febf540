from typing import Any

import icalendar
import pytest

from tests.conftest import Callers
from tests.factories import (
    API,
    if_match,
    make_person,
    make_stage,
    ok,
    problem,
    tour_with_counties,
    upload,
)


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    stage = make_stage(
        callers.county_15, tour_with_counties(callers.national)["id"], start_time="11:30"
    )
    upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    return stage


def add(client: Any, stage_id: int, **data: Any) -> dict[str, Any]:
    return ok(
        client.post(
            f"{API}/stages/{stage_id}/activities",
            json={"kind": "activity", "title": "Kaffe"} | data,
        ),
        201,
    )


class TestActivities:
    def test_timed_from_the_passage_with_responsibles(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        partner = ok(
            callers.county_15.post(
                f"{API}/partners",
                json={"county": "15", "name": "Stordal bygdelag", "kind": "association"},
            ),
            201,
        )
        person = make_person(callers.county_15)
        activity = add(
            callers.county_15,
            stage["id"],
            kind="food_stop",
            km=10,
            minutes_from_passage=-15,
            duration_minutes=45,
            partner_ids=[partner["id"]],
            person_ids=[person["id"]],
            place_name="Linge",
            public=True,
        )
        # km 10 at the slowest speed (8 km/h) from 11:30 is 12:45; 15 minutes before.
        assert activity["starts_at"] == "2026-06-03T12:30:00+02:00"
        assert activity["ends_at"] == "2026-06-03T13:15:00+02:00"
        assert activity["partners"][0]["name"] == "Stordal bygdelag"
        assert activity["people"][0]["name"] == "Ola Nordmann"
        hidden = ok(
            callers.anonymous.get(f"{API}/stages/{stage['id']}/activities/{activity['id']}")
        )
        assert hidden["people"] is None

    def test_status_moves_and_refuses(self, callers: Callers, stage: dict[str, Any]) -> None:
        activity = add(callers.county_15, stage["id"])
        url = f"{API}/stages/{stage['id']}/activities/{activity['id']}"
        problem(
            callers.county_15.patch(
                url, json={"status": "done"}, headers=if_match(callers.county_15, url)
            ),
            409,
            "illegal_activity_transition",
        )
        for new in ["planned", "confirmed", "done"]:
            assert (
                ok(
                    callers.county_15.patch(
                        url, json={"status": new}, headers=if_match(callers.county_15, url)
                    )
                )["status"]
                == new
            )
        problem(
            callers.county_15.patch(
                url, json={"status": "cancelled"}, headers=if_match(callers.county_15, url)
            ),
            409,
            "illegal_activity_transition",
        )

    @pytest.mark.parametrize(
        "data",
        [
            {"kind": "party"},
            {"title": ""},
            {"km": 1, "checkpoint_id": 1},
            {"starts_at": "2026-06-03T12:00:00+02:00", "minutes_from_passage": 5},
            {"starts_at": "2026-06-03T12:00:00"},
            {"status": "maybe"},
            {"expected_audience": -1},
        ],
    )
    def test_bad_input_is_422(
        self, callers: Callers, stage: dict[str, Any], data: dict[str, Any]
    ) -> None:
        body = {"kind": "activity", "title": "x"} | data
        problem(
            callers.county_15.post(f"{API}/stages/{stage['id']}/activities", json=body),
            422,
            "validation_failed",
        )

    def test_references_must_be_of_the_county(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{stage['id']}/activities"
        problem(
            callers.county_15.post(url, json={"kind": "other", "title": "x", "partner_ids": [999]}),
            422,
            "unknown_reference",
        )
        other = make_person(callers.county_50, county="50")
        problem(
            callers.national.post(
                url, json={"kind": "other", "title": "x", "person_ids": [other["id"]]}
            ),
            422,
            "person_of_other_county",
        )

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("national", 201)],
    )
    def test_create_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        response = getattr(callers, who).post(
            f"{API}/stages/{stage['id']}/activities", json={"kind": "other", "title": "x"}
        )
        assert response.status_code == status

    def test_delete(self, callers: Callers, stage: dict[str, Any]) -> None:
        activity = add(callers.county_15, stage["id"])
        url = f"{API}/stages/{stage['id']}/activities/{activity['id']}"
        problem(
            callers.county_50.delete(url, headers=if_match(callers.county_50, url)),
            403,
            "forbidden",
        )
        assert (
            callers.county_15.delete(url, headers=if_match(callers.county_15, url)).status_code
            == 204
        )
        problem(callers.anonymous.get(url), 404, "activity_not_found")


class TestPlace:
    def test_an_activity_at_a_checkpoint_follows_it(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        checkpoint = ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/checkpoints",
                json={"name": "Syltetorget", "kind": "meeting_point", "km": 20},
            ),
            201,
        )
        activity = add(
            callers.county_15, stage["id"], checkpoint_id=checkpoint["id"], minutes_from_passage=0
        )
        assert activity["km"] == 20
        ok(
            callers.county_15.patch(
                f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}",
                json={"km": 10},
                headers=if_match(
                    callers.county_15, f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}"
                ),
            )
        )
        after = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/activities/{activity['id']}"))
        assert after["km"] == 10
        assert after["starts_at"] < activity["starts_at"]  # passed earlier now
        problem(
            callers.county_15.delete(
                f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}",
                headers=if_match(
                    callers.county_15, f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}"
                ),
            ),
            409,
            "checkpoint_in_use",
        )

    def test_km_past_the_route_is_422(self, callers: Callers, stage: dict[str, Any]) -> None:
        problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/activities",
                json={"kind": "activity", "title": "Kaffe", "km": 40},
            ),
            422,
            "km_beyond_route",
        )


def test_public_events_in_json_and_icalendar(callers: Callers, stage: dict[str, Any]) -> None:
    person = make_person(callers.county_15)
    add(
        callers.county_15,
        stage["id"],
        kind="signal_event",
        title="Signalarrangement på Syltetorget",
        starts_at="2026-06-03T14:00:00+02:00",
        ends_at="2026-06-03T16:00:00+02:00",
        public=True,
        person_ids=[person["id"]],
    )
    add(callers.county_15, stage["id"], title="Internt møte", public=False)
    cancelled = add(callers.county_15, stage["id"], title="Avlyst", public=True)
    ok(
        callers.county_15.patch(
            f"{API}/stages/{stage['id']}/activities/{cancelled['id']}",
            json={"status": "cancelled"},
            headers=if_match(
                callers.county_15, f"{API}/stages/{stage['id']}/activities/{cancelled['id']}"
            ),
        )
    )
    url = f"{API}/tours/{stage['tour_id']}/events"
    events = callers.anonymous.get(url)
    assert [e["title"] for e in events.json()["items"]] == ["Signalarrangement på Syltetorget"]
    assert events.json()["next_cursor"] is None
    assert "Ola" not in events.text
    assert ok_list(callers.anonymous.get(url, params={"county": "50"})) == []
    calendar = icalendar.Calendar.from_ical(
        callers.anonymous.get(url, params={"format": "ics"}).content
    )
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart").isoformat() == "2026-06-03T14:00:00+02:00"


def ok_list(response: Any) -> list[Any]:
    assert response.status_code == 200, response.text
    body: list[Any] = response.json()["items"]
    return body
