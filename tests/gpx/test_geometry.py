"""Snapping places onto a route, checked against a brute-force geodesic computation: on a
long straight segment km and offset agree within 1 m, and a place the route passes twice
gets both passes."""

import itertools
import math

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


# --- distances, climb, gaps, profile, hazards, simplifying: each against numbers worked out
# by hand or by pyproj directly ----------------------------------------------------------------


def arrays(*values: list[float]) -> tuple[np.ndarray, ...]:
    return tuple(np.array(v, dtype=np.float64) for v in values)


class TestDistances:
    def test_one_degree_of_latitude_on_the_ellipsoid(self) -> None:
        # WGS84: the degree of latitude from 60° to 61° N is 111,421 m (the sphere: 111,195).
        lengths = geometry.segment_lengths(*arrays([60.0, 61.0], [10.0, 10.0]))
        assert lengths.tolist() == pytest.approx([111_421.0], abs=1.0)

    @pytest.mark.parametrize("points", [[], [(60.0, 10.0)]], ids=["empty", "one point"])
    def test_fewer_than_two_points_have_no_steps(self, points: list[tuple[float, float]]) -> None:
        lat, lon = arrays([p[0] for p in points], [p[1] for p in points])
        assert geometry.segment_lengths(lat, lon).size == 0
        assert geometry.cumulative_distance(lat, lon).tolist() == [0.0]

    def test_cumulative_distance_adds_the_steps(self) -> None:
        points = [(60.0, 10.0), forward(60.0, 10.0, 90, 1000), forward(60.0, 10.0, 90, 1500)]
        lat, lon = arrays([p[0] for p in points], [p[1] for p in points])
        assert geometry.cumulative_distance(lat, lon).tolist() == pytest.approx(
            [0.0, 1000.0, 1500.0], abs=0.01
        )


@pytest.mark.parametrize(
    ("ele", "expected"),
    [
        ([], (0, 0, 0, 0)),
        ([100.0], (0, 0, 0, 0)),
        ([100.0, 110.0], (10, 0, 10, 0)),  # two points: nothing to smooth
        ([100.0, 110.0, 100.0], (4, 4, 10, 10)),  # the peak smoothed to 104
        ([100.0, math.nan, 110.0, 120.0], (20, 0, 20, 0)),  # points without elevation skipped
        ([200.0, 190.0, 180.0, 170.0], (0, 30, 0, 30)),  # a steady fall keeps its height
    ],
)
def test_climb_smoothed_and_raw(ele: list[float], expected: tuple[float, ...]) -> None:
    assert geometry.climb(np.array(ele, dtype=np.float64)) == pytest.approx(expected)


def test_only_joins_longer_than_the_warning_are_gaps() -> None:
    # Three segments: starts at 0, 2 (a 150 m join) and 4 (a 300 m join).
    distance = np.array([0.0, 100.0, 250.0, 350.0, 650.0, 700.0])
    lat, lon = arrays([60.0 + i / 1000 for i in range(6)], [10.0] * 6)
    (gap,) = geometry.segment_gaps(lat, lon, distance, [0, 2, 4])
    assert (gap.index, gap.length_m, gap.km) == (4, 300.0, 0.35)
    assert (gap.lat, gap.lon) == (lat[3], lon[3])  # where the signal was lost


class TestDownsampleProfile:
    def test_short_profiles_are_kept_whole_without_unknown_heights(self) -> None:
        distance, ele = arrays([0.0, 10.0, 20.0], [5.0, math.nan, 7.0])
        assert geometry.downsample_profile(distance, ele, 10) == [(0.0, 5.0), (20.0, 7.0)]

    def test_long_profiles_keep_at_most_the_points_and_the_extremes(self) -> None:
        distance = np.arange(1000, dtype=np.float64)
        ele = np.zeros(1000)
        ele[333], ele[777] = 500.0, -20.0  # off the even grid
        profile = geometry.downsample_profile(distance, ele, 50)
        assert len(profile) <= 50
        assert (333.0, 500.0) in profile
        assert (777.0, -20.0) in profile
        assert (profile[0][0], profile[-1][0]) == (0.0, 999.0)


class TestHazards:
    @staticmethod
    def ramp(grade: float, length_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Flat 500 m, then `length_m` at `grade`, then flat 500 m."""
        distance = np.arange(0.0, 1000.0 + length_m + 1, 10.0)
        ele = np.clip(distance - 500.0, 0.0, length_m) * grade
        return distance, ele

    def test_a_steep_climb_is_found_where_it_is(self) -> None:
        (hazard,) = geometry.hazards(*self.ramp(0.08, 300.0))
        assert hazard.kind == "climb"
        # 100 m windows reach 6 % once 75 m of them lie on the ramp (500 m to 800 m): from
        # the window starting at 475 m to the one ending at 825 m, on the 10 m grid.
        assert (hazard.from_m, hazard.to_m) == (480.0, 820.0)
        assert hazard.steepest_grade == pytest.approx(0.08)
        assert hazard.length_m == hazard.to_m - hazard.from_m

    def test_a_descent_has_a_negative_grade(self) -> None:
        distance, ele = self.ramp(0.10, 300.0)
        (hazard,) = geometry.hazards(distance, ele.max() - ele)
        assert hazard.kind == "descent"
        assert hazard.steepest_grade == pytest.approx(-0.10)

    @pytest.mark.parametrize(
        ("grade", "length_m"),
        [(0.05, 500.0), (0.08, 0.0)],
        ids=["below the grade", "flat"],
    )
    def test_gentle_or_flat_routes_have_none(self, grade: float, length_m: float) -> None:
        assert geometry.hazards(*self.ramp(grade, length_m)) == []

    def test_without_elevation_there_are_none(self) -> None:
        distance, ele = arrays([0.0, 500.0, 1000.0], [math.nan, math.nan, 3.0])
        assert geometry.hazards(distance, ele) == []


class TestSimplify:
    def test_points_on_a_straight_line_go_the_ends_stay(self) -> None:
        points = [forward(60.0, 10.0, 0, m) for m in range(0, 1001, 100)]
        lat, lon = arrays([p[0] for p in points], [p[1] for p in points])
        ele = np.full(lat.size, 12.34)
        simple = geometry.simplify(lat, lon, ele, 5.0)
        assert simple == [
            [round(lon[0], 6), round(lat[0], 6), 12.3],
            [round(lon[-1], 6), round(lat[-1], 6), 12.3],
        ]

    def test_a_corner_beyond_the_tolerance_stays(self) -> None:
        corner = forward(60.0, 10.0, 0, 1000)
        points = [(60.0, 10.0), corner, forward(*corner, 90, 1000)]
        lat, lon = arrays([p[0] for p in points], [p[1] for p in points])
        assert len(geometry.simplify(lat, lon, np.full(3, math.nan), 5.0)) == 3

    def test_no_tolerance_keeps_every_point_and_unknown_heights_are_2d(self) -> None:
        lat, lon, ele = arrays([60.0, 60.001, 60.002], [10.0] * 3, [1.0, math.nan, 3.0])
        assert [len(p) for p in geometry.simplify(lat, lon, ele, 0)] == [3, 2, 3]
