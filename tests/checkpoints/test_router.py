from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import (
    API,
    STALE,
    if_match,
    make_stage,
    ok,
    problem,
    tour_with_counties,
    upload,
)


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    return make_stage(callers.county_15, tour["id"])


def add(client: Any, stage_id: int, status: int = 201, **data: Any) -> dict[str, Any]:
    return ok(client.post(f"{API}/stages/{stage_id}/checkpoints", json=data), status)


class TestCheckpoints:
    def test_waypoints_import_snaps_to_the_route(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        result = upload(
            callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import"
        )
        assert result["checkpoints_imported"] == 5
        items = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/checkpoints"))["items"]
        # In route order, not file order: the rest stop comes before the handover.
        assert [c["kind"] for c in items] == ["start", "rest", "handover", "hazard", "finish"]
        # Offsets to the nearest segment, as the samples' README gives them: 7, 16, 12, 9, 6 m.
        assert [round(c["offset_m"]) for c in items] == [7, 16, 12, 9, 6]
        handover = items[2]
        assert handover["km"] == pytest.approx(15.25, abs=0.06)
        assert handover["warnings"] == []

    def test_by_lat_lon_and_by_km(self, callers: Callers, stage: dict[str, Any]) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        by_km = add(
            callers.county_15, stage["id"], name="Rast", kind="rest", km=10, dwell_minutes=15
        )
        assert by_km["km"] == pytest.approx(10, abs=0.01)
        assert by_km["offset_m"] == pytest.approx(0, abs=1)
        same_place = add(
            callers.county_15,
            stage["id"],
            name="Kafé",
            kind="meeting_point",
            lat=by_km["lat"],
            lon=by_km["lon"],
        )
        assert same_place["km"] == pytest.approx(10, abs=0.01)

    def test_far_from_route_is_a_warning(self, callers: Callers, stage: dict[str, Any]) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        far = add(callers.county_15, stage["id"], name="Oslo", kind="media", lat=59.91, lon=10.75)
        assert far["offset_m"] > 100_000
        assert far["warnings"][0].startswith("far_from_route")

    def test_without_route_lat_lon_waits_and_km_is_422(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        waiting = add(
            callers.county_15, stage["id"], name="Start", kind="start", lat=62.27, lon=7.26
        )
        assert waiting["km"] is None
        assert waiting["warnings"] == ["not_snapped: the stage has no route yet"]
        problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/checkpoints",
                json={"name": "x", "kind": "rest", "km": 3},
            ),
            422,
            "no_route_for_km",
        )
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        snapped = ok(
            callers.anonymous.get(f"{API}/stages/{stage['id']}/checkpoints/{waiting['id']}")
        )
        assert snapped["km"] is not None

    def test_new_route_version_resnaps(self, callers: Callers, stage: dict[str, Any]) -> None:
        upload(callers.county_15, stage["id"], "tour_three_stages.gpx", track=0)
        checkpoint = add(callers.county_15, stage["id"], name="Midt", kind="rest", km=5)
        upload(callers.county_15, stage["id"], "tour_three_stages.gpx", track=1)
        moved = ok(
            callers.anonymous.get(f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}")
        )
        assert moved["offset_m"] > 1000  # the old place is far from the new line

    @pytest.mark.parametrize(
        "data",
        [
            {"name": "x", "kind": "rest"},
            {"name": "x", "kind": "rest", "lat": 62},
            {"name": "x", "kind": "rest", "lat": 62, "lon": 7, "km": 1},
            {"name": "x", "kind": "picnic", "lat": 62, "lon": 7},
            {"name": "x", "kind": "rest", "lat": 95, "lon": 7},
            {"name": "x", "kind": "rest", "km": -1},
            {"name": "x", "kind": "rest", "lat": 62, "lon": 7, "dwell_minutes": -5},
            {"name": "x", "kind": "rest", "lat": 62, "lon": 7, "km_from_start": 2},
        ],
    )
    def test_bad_input_is_422(
        self, callers: Callers, stage: dict[str, Any], data: dict[str, Any]
    ) -> None:
        problem(
            callers.county_15.post(f"{API}/stages/{stage['id']}/checkpoints", json=data),
            422,
            "validation_failed",
        )

    def test_update_and_delete(self, callers: Callers, stage: dict[str, Any]) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        checkpoint = add(callers.county_15, stage["id"], name="Rast", kind="rest", km=10)
        url = f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}"
        moved = ok(
            callers.county_15.patch(
                url,
                json={"km": 12.5, "notes": "Ved brua"},
                headers=if_match(callers.county_15, url),
            )
        )
        assert moved["km"] == pytest.approx(12.5, abs=0.01)
        assert moved["version"] == 2
        problem(
            callers.county_15.patch(url, json={"name": "x"}, headers=STALE),
            412,
            "precondition_failed",
        )
        problem(callers.county_15.patch(url, json={"name": "x"}), 428, "if_match_required")
        problem(
            callers.county_50.patch(
                url, json={"name": "x"}, headers=if_match(callers.county_50, url)
            ),
            403,
            "forbidden",
        )
        assert (
            callers.county_15.delete(url, headers=if_match(callers.county_15, url)).status_code
            == 204
        )
        problem(callers.anonymous.get(url), 404, "checkpoint_not_found")

    def test_checkpoint_of_another_stage_is_404(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        checkpoint = add(
            callers.county_15, stage["id"], name="Start", kind="start", lat=62.27, lon=7.26
        )
        other = make_stage(callers.county_15, stage["tour_id"], sequence=2, date="2026-06-04")
        problem(
            callers.anonymous.get(f"{API}/stages/{other['id']}/checkpoints/{checkpoint['id']}"),
            404,
            "checkpoint_not_found",
        )

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("national", 201)],
    )
    def test_create_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        response = getattr(callers, who).post(
            f"{API}/stages/{stage['id']}/checkpoints",
            json={"name": "x", "kind": "rest", "lat": 62, "lon": 7},
        )
        assert response.status_code == status


class TestLegs:
    def test_no_route_no_legs(self, callers: Callers, stage: dict[str, Any]) -> None:
        assert ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/legs")) == {
            "route_version": None,
            "items": [],
        }

    def test_whole_stage_is_one_leg_without_handovers(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        route = upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        (leg,) = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/legs"))["items"]
        assert leg["distance_m"] == pytest.approx(route["distance_m"], abs=0.5)
        assert leg["ascent_m"] == pytest.approx(route["ascent_m"], abs=1)
        # No start or finish checkpoint: the stage's own places name the ends.
        assert (leg["from_name"], leg["to_name"]) == ("Valldal stadion", "Stordal sentrum")

    def test_handovers_split_the_stage(self, callers: Callers, stage: dict[str, Any]) -> None:
        route = upload(
            callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import"
        )
        legs = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/legs"))["items"]
        assert [(leg["from_name"], leg["to_name"]) for leg in legs] == [
            ("Start: Steinkjer sentrum", "Overlevering: Røra"),
            ("Overlevering: Røra", "Mål: Straumen"),
        ]
        assert sum(leg["distance_m"] for leg in legs) == pytest.approx(route["distance_m"], abs=1)
        assert legs[0]["km_to"] == legs[1]["km_from"]


def test_a_checkpoint_in_use_names_all_placed_at_it(
    callers: Callers, stage: dict[str, Any]
) -> None:
    """The delete asks each domain the router composes (measures, then activities) and
    names everything it finds in one refusal."""
    upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    checkpoint = add(callers.county_15, stage["id"], name="Overlevering", kind="handover", km=12)
    url = f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}"
    at = {"checkpoint_id": checkpoint["id"]}
    measure = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/measures",
            json={"kind": "handover", "title": "Vakt"} | at,
        ),
        201,
    )
    activity = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/activities",
            json={"kind": "activity", "title": "Kaffe", "minutes_from_passage": 0} | at,
        ),
        201,
    )
    body = problem(
        callers.county_15.delete(url, headers=if_match(callers.county_15, url)),
        409,
        "checkpoint_in_use",
    )
    assert body["detail"] == (
        f"Measure {measure['id']}, activity {activity['id']} are placed at checkpoint "
        f"{checkpoint['id']}; place them elsewhere first."
    )
    ok(callers.anonymous.get(url))  # still there
