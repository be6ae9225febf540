"""Where checkpoints land on the route (issue 12, "km is not km"): a km stays that km, a
lat/lon is measured on the ellipsoid, a place passed twice says so, and no km lies past the
route's end."""

from typing import Any

import pytest

from sykkelturen.gpx.geometry import GEOD
from tests.conftest import Callers
from tests.factories import (
    API,
    forward,
    if_match,
    make_stage,
    ok,
    out_and_back,
    problem,
    tour_with_counties,
    track_gpx,
    upload,
    upload_bytes,
)


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    return make_stage(callers.county_15, tour["id"])


def add(client: Any, stage_id: int, status: int = 201, **data: Any) -> dict[str, Any]:
    return ok(client.post(f"{API}/stages/{stage_id}/checkpoints", json=data), status)


def url(stage: dict[str, Any], checkpoint: dict[str, Any]) -> str:
    return f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}"


class TestKmIsKept:
    def test_km_on_a_route_passing_twice_stays(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload_bytes(callers.county_15, stage["id"], track_gpx(out_and_back()))
        late = add(callers.county_15, stage["id"], name="Andre gang", kind="rest", km=43.7)
        assert late["km"] == 43.7  # the same place as km 18.3, on the way back
        assert late["offset_m"] == 0
        assert ok(callers.anonymous.get(url(stage, late)))["km"] == 43.7

    def test_editing_other_fields_does_not_move_it(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload_bytes(callers.county_15, stage["id"], track_gpx(out_and_back()))
        late = add(callers.county_15, stage["id"], name="Andre gang", kind="rest", km=43.7)
        renamed = ok(
            callers.county_15.patch(
                url(stage, late),
                json={"name": "Kafé", "dwell_minutes": 10},
                headers=if_match(callers.county_15, url(stage, late)),
            )
        )
        assert renamed["km"] == 43.7
        moved = ok(
            callers.county_15.patch(
                url(stage, late),
                json={"km": 50},
                headers=if_match(callers.county_15, url(stage, late)),
            )
        )
        assert moved["km"] == 50

    def test_the_run_sheet_times_the_km_given(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload_bytes(callers.county_15, stage["id"], track_gpx(out_and_back()))
        add(callers.county_15, stage["id"], name="Andre gang", kind="rest", km=43.7)
        sheet = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/run-sheet"))
        (line,) = sheet["lines"]
        assert line["km"] == 43.7
        slowest = min(sheet["speeds_kmh"])
        arrive = line["times"][[t["speed_kmh"] for t in line["times"]].index(slowest)]["arrive"]
        # 11:30 + 43.7 km at the slowest speed, to the minute
        minutes = round(43.7 / slowest * 60)
        assert arrive.startswith(
            f"2026-06-03T{11 + (30 + minutes) // 60:02d}:{(30 + minutes) % 60:02d}"
        )

    @pytest.mark.parametrize("km", [40, 27.7])
    def test_past_the_end_is_422_not_clamped(
        self, callers: Callers, stage: dict[str, Any], km: float
    ) -> None:
        route = upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")  # 25.0 km
        assert route["distance_m"] < 27_600
        body = problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/checkpoints",
                json={"name": "Mål", "kind": "finish", "km": km},
            ),
            422,
            "km_beyond_route",
        )
        assert "past the end" in body["detail"]
        rest = add(callers.county_15, stage["id"], name="Rast", kind="rest", km=10)
        problem(
            callers.county_15.patch(
                url(stage, rest),
                json={"km": km},
                headers=if_match(callers.county_15, url(stage, rest)),
            ),
            422,
            "km_beyond_route",
        )

    def test_the_finish_rounded_to_the_metre_is_the_end(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        route = upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        km = round(route["distance_m"] / 1000, 3)
        finish = add(callers.county_15, stage["id"], name="Mål", kind="finish", km=km + 0.0004)
        assert finish["km"] == pytest.approx(route["distance_m"] / 1000, abs=0.001)


# A 37 km straight stretch: two track points, the geodesic between them.
A = (64.0150000, 11.4950000)
B = (64.1284021, 12.2083115)


class TestSnappingIsGeodesic:
    def test_a_point_on_a_long_straight_stretch_is_on_the_line(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        azimuth, _, length = GEOD.inv(A[1], A[0], B[1], B[0])
        assert length == pytest.approx(37_000, abs=100)
        upload_bytes(callers.county_15, stage["id"], track_gpx([A, B]))
        middle = forward(*A, azimuth, 18_500)
        on_line = add(
            callers.county_15, stage["id"], name="Midt", kind="rest", lat=middle[0], lon=middle[1]
        )
        assert on_line["offset_m"] < 1
        assert on_line["km"] == pytest.approx(18.5, abs=0.001)
        assert on_line["warnings"] == []

    def test_300_m_off_reads_300_m_and_is_far(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        azimuth, _, _ = GEOD.inv(A[1], A[0], B[1], B[0])
        upload_bytes(callers.county_15, stage["id"], track_gpx([A, B]))
        middle = forward(*A, azimuth, 18_500)
        _, back, _ = GEOD.inv(A[1], A[0], middle[1], middle[0])
        for side in (90, -90):
            place = forward(*middle, back + side, 300)
            off = add(
                callers.county_15,
                stage["id"],
                name="Gård",
                kind="media",
                lat=place[0],
                lon=place[1],
            )
            assert off["offset_m"] == pytest.approx(300, abs=1)
            assert off["km"] == pytest.approx(18.5, abs=0.001)
            assert off["warnings"][0].startswith("far_from_route: 300 m")


class TestSeveralPasses:
    def test_the_answer_lists_the_other_pass_and_near_km_chooses(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload_bytes(callers.county_15, stage["id"], track_gpx(out_and_back()))
        lat, lon = forward(62.30, 7.20, 90, 18_500)
        first = add(callers.county_15, stage["id"], name="Bru", kind="rest", lat=lat, lon=lon)
        assert [round(p["km"], 1) for p in first["other_passes"]] in ([43.5], [18.5])
        chosen = {round(first["km"], 1), *(round(p["km"], 1) for p in first["other_passes"])}
        assert chosen == {18.5, 43.5}
        assert any(w.startswith("several_passes") for w in first["warnings"])
        later = add(
            callers.county_15, stage["id"], name="Bru", kind="rest", lat=lat, lon=lon, near_km=40
        )
        assert later["km"] == pytest.approx(43.5, abs=0.01)
        assert [round(p["km"], 1) for p in later["other_passes"]] == [18.5]
        # choosing afterwards: the same place, the other pass
        switched = ok(
            callers.county_15.patch(
                url(stage, later),
                json={"near_km": 0},
                headers=if_match(callers.county_15, url(stage, later)),
            )
        )
        assert switched["km"] == pytest.approx(18.5, abs=0.01)
        assert (switched["lat"], switched["lon"]) == (lat, lon)

    def test_a_place_passed_once_has_no_other_passes(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload_bytes(callers.county_15, stage["id"], track_gpx(out_and_back()))
        lat, lon = forward(62.30, 7.20, 0, 3_000)  # on the way north at the end
        once = add(callers.county_15, stage["id"], name="Nord", kind="rest", lat=lat, lon=lon)
        assert once["other_passes"] == []
        assert once["warnings"] == []

    def test_near_km_needs_lat_lon_or_a_checkpoint(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/checkpoints",
                json={"name": "x", "kind": "rest", "km": 3, "near_km": 3},
            ),
            422,
            "validation_failed",
        )

    def test_a_new_route_version_keeps_the_pass(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload_bytes(callers.county_15, stage["id"], track_gpx(out_and_back()))
        late = add(callers.county_15, stage["id"], name="Andre gang", kind="rest", km=43.7)
        # the same road, now starting 2 km further west: every km is 2 more
        upload_bytes(
            callers.county_15,
            stage["id"],
            track_gpx([forward(62.30, 7.20, 270, 2_000), *out_and_back()]),
        )
        again = ok(callers.anonymous.get(url(stage, late)))
        assert again["km"] == pytest.approx(45.7, abs=0.05)
