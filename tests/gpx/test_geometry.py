"""Snapping places onto a route, checked against a brute-force geodesic computation: on a
long straight segment km and offset agree within 1 m, and a place the route passes twice
gets both passes."""

import itertools

import numpy as np
import pytest

from sykkelturen.gpx import geometry
from sykkelturen.gpx.geometry import GEOD


def line(points: list[tuple[float, float]]) -> geometry.SnapLine:
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    return geometry.SnapLine(lat, lon, geometry.cumulative_distance(lat, lon))


def forward(lat: float, lon: float, azimuth: float, metres: float) -> tuple[float, float]:
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return float(lat2), float(lon2)


def brute_force(points: list[tuple[float, float]], lat: float, lon: float) -> tuple[float, float]:
    """(km, offset_m) of the nearest point of the geodesic polyline, densified every metre."""
    best = (0.0, float("inf"))
    done = 0.0
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(points):
        azimuth, _, length = GEOD.inv(lon1, lat1, lon2, lat2)
        steps = np.linspace(0, length, int(length) + 2)

        def same(value: float, size: int = steps.size) -> np.ndarray:
            return np.full(size, value)

        lons, lats, _ = GEOD.fwd(same(lon1), same(lat1), same(azimuth), steps)
        _, _, offsets = GEOD.inv(same(lon), same(lat), lons, lats)
        i = int(np.argmin(offsets))
        if offsets[i] < best[1]:
            best = ((done + steps[i]) / 1000, float(offsets[i]))
        done += length
    return best


# A 37 km straight (geodesic) stretch east of Steinkjer, running east-north-east: the case
# where the lat/lon plane bends the line by tens of metres.
A = (64.0, 11.5)
AZIMUTH = 70.0
B = forward(*A, AZIMUTH, 37_000)
STRAIGHT = [A, B]


class TestLongStraightSegment:
    @pytest.mark.parametrize("along", [500.0, 9_000.0, 18_500.0, 30_000.0, 36_800.0])
    @pytest.mark.parametrize("off", [0.0, 150.0, 300.0, -300.0, 2_000.0])
    def test_km_and_offset_within_a_metre_of_geodesic(self, along: float, off: float) -> None:
        on_line = forward(*A, AZIMUTH, along)
        _, back_azimuth, _ = GEOD.inv(A[1], A[0], on_line[1], on_line[0])
        place = forward(*on_line, back_azimuth + 90, off)  # perpendicular to the line there
        km, offset = brute_force(STRAIGHT, *place)
        snap = line(STRAIGHT).snap(*place)
        assert snap.km == pytest.approx(km, abs=0.001)
        assert snap.offset_m == pytest.approx(offset, abs=1.0)
        assert offset == pytest.approx(abs(off), abs=1.0)

    def test_a_point_on_the_line_reads_on_the_line(self) -> None:
        middle = forward(*A, AZIMUTH, 18_500)
        snap = line(STRAIGHT).snap(*middle)
        assert snap.offset_m < 1.0
        assert snap.km == pytest.approx(18.5, abs=0.001)

    def test_at_follows_the_geodesic(self) -> None:
        lat, lon = line(STRAIGHT).at(18_500)
        true_lat, true_lon = forward(*A, AZIMUTH, 18_500)
        _, _, gap = GEOD.inv(lon, lat, true_lon, true_lat)
        assert gap < 0.5


# Out along a fjord road, a 60 m turn, back on the other side, then away north: the place
# at 2 km is passed twice, 60 m apart.
THERE = forward(62.30, 7.20, 90, 4_000)
HAIRPIN = [
    (62.30, 7.20),
    THERE,
    forward(*THERE, 0, 60),  # a turn 60 m across
    forward(*forward(*THERE, 0, 60), 270, 4_000),
    forward(*forward(*forward(*THERE, 0, 60), 270, 4_000), 0, 5_000),
]


class TestPasses:
    @pytest.mark.parametrize("north", [0.0, 20.0, 50.0])
    def test_a_place_passed_twice_has_both_passes(self, north: float) -> None:
        place = forward(*forward(62.30, 7.20, 90, 2_000), 0, north)
        out, back = line(HAIRPIN).passes(*place, within_m=200)
        km, offset = brute_force(HAIRPIN[:2], *place)
        assert (out.km, out.offset_m) == pytest.approx((km, offset), abs=0.05)
        km, offset = brute_force(HAIRPIN[2:4], *place)
        start = line(HAIRPIN).distance[2] / 1000
        assert (back.km, back.offset_m) == pytest.approx((start + km, offset), abs=0.05)
        assert round(out.km, 1) == 2.0
        assert round(back.km, 1) == 6.1

    def test_snap_takes_the_nearest_pass(self) -> None:
        route = line(HAIRPIN)
        place = forward(*forward(62.30, 7.20, 90, 2_000), 0, 50)  # 50 m north: nearer the return
        assert route.snap(*place).km == pytest.approx(6.06, abs=0.01)
        assert route.snap(*forward(62.30, 7.20, 90, 2_000)).km == pytest.approx(2.0, abs=0.001)

    def test_a_place_near_one_stretch_has_one_pass(self) -> None:
        place = forward(*THERE, 0, 30)  # inside the turn: one continuous stretch
        assert len(line(HAIRPIN).passes(*place, within_m=200)) == 1

    def test_far_away_still_has_its_nearest_point(self) -> None:
        passes = line(HAIRPIN).passes(59.91, 10.75, within_m=200)
        assert len(passes) == 1
        assert passes[0].offset_m > 100_000
