"""Routes that read fine but are unlikely to be what was meant get warnings with codes of
their own (issue 13); nothing is refused for them."""

from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import API, make_stage, ok, tour_with_counties, upload


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    return make_stage(callers.county_15, tour["id"])


def gpx(points: list[tuple[float, float, str]], *, wrap: str = "", extra: str = "") -> bytes:
    rows = "".join(f'<trkpt lat="{lat}" lon="{lon}">{inner}</trkpt>' for lat, lon, inner in points)
    track = f"<trk><trkseg>{rows}</trkseg></trk>"
    if wrap:
        track = f"<{wrap}>{track}</{wrap}>"
    return (
        f'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">{track}{extra}</gpx>'
    ).encode()


def line(
    n: int = 50, start: tuple[float, float] = (62.30, 7.26), step: float = 0.001
) -> list[tuple[float, float, str]]:
    return [(start[0] + i * step, start[1] + i * step, "") for i in range(n)]


def put(callers: Callers, stage: dict[str, Any], body: bytes) -> dict[str, Any]:
    return ok(
        callers.county_15.put(
            f"{API}/stages/{stage['id']}/route",
            content=body,
            headers={"Content-Type": "application/gpx+xml"},
        ),
        201,
    )


def codes(result: dict[str, Any]) -> set[str]:
    return {w["code"] for w in result["warnings"]}


def test_a_route_far_outside_the_county_is_flagged(callers: Callers, stage: dict[str, Any]) -> None:
    croatia = put(callers, stage, gpx(line(start=(45.80, 15.97))))  # Zagreb, not Møre og Romsdal
    assert "outside_county" in codes(croatia)
    warning = next(w for w in croatia["warnings"] if w["code"] == "outside_county")
    assert "county 15" in warning["message"]


def test_a_route_inside_its_county_is_not(callers: Callers, stage: dict[str, Any]) -> None:
    assert "outside_county" not in codes(
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    )


def test_a_stage_shorter_than_a_kilometre(callers: Callers, stage: dict[str, Any]) -> None:
    assert "route_short" in codes(put(callers, stage, gpx(line(5, step=0.0005))))
    assert "route_short" not in codes(put(callers, stage, gpx(line(50))))


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        ("2026-06-03T12:00:00Z", "2026-06-03T09:00:00Z", "duration_negative"),
        ("1901-01-01T00:00:00Z", "2026-06-03T09:00:00Z", "duration_implausible"),
    ],
)
def test_odd_durations(
    callers: Callers, stage: dict[str, Any], first: str, last: str, code: str
) -> None:
    points = line(50)
    points[0] = (*points[0][:2], f"<time>{first}</time>")
    points[-1] = (*points[-1][:2], f"<time>{last}</time>")
    assert code in codes(put(callers, stage, gpx(points)))


def test_implausible_elevations_are_unknown(callers: Callers, stage: dict[str, Any]) -> None:
    points = [(lat, lon, "<ele>100</ele>") for lat, lon, _ in line(50)]
    points[10] = (*points[10][:2], "<ele>-9999</ele>")
    points[20] = (*points[20][:2], "<ele>12000</ele>")
    result = put(callers, stage, gpx(points))
    assert "elevation_implausible" in codes(result)
    assert result["min_elevation_m"] == 100
    assert result["max_elevation_m"] == 100
    assert result["elevation_coverage"] == 0.96


def test_a_track_inside_metadata(callers: Callers, stage: dict[str, Any]) -> None:
    result = put(callers, stage, gpx(line(50), wrap="metadata"))
    assert "misplaced_track" in codes(result)
    assert result["point_count"] == 50


def test_a_one_point_track_gives_way_to_a_usable_route(
    callers: Callers, stage: dict[str, Any]
) -> None:
    route = "".join(f'<rtept lat="{lat}" lon="{lon}"/>' for lat, lon, _ in line(30))
    result = put(callers, stage, gpx(line(1), extra=f"<rte>{route}</rte>"))
    assert "track_unusable" in codes(result)
    assert result["source"] == "route"
    assert result["point_count"] == 30
