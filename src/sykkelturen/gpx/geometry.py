"""Measurements of a route line: distances on the WGS84 ellipsoid, climb, gaps, snapping,
profile and hazards. Pure numpy/pyproj/shapely; no HTTP, no database."""

import math
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod

GEOD = Geod(ellps="WGS84")

GAP_WARNING_M = 200.0
# Elevation is smoothed with weights 0.3/0.4/0.3 over each point and its neighbours (the
# points that have an elevation), the rule gpxpy uses, before rises and falls are summed.
SMOOTHING = "3-point weighted mean (0.3/0.4/0.3) over points with elevation"
# A stretch matters for a loaded rickshaw when its grade over every 100 m window reaches
# 6 % for at least 100 m.
HAZARD_GRADE = 0.06
HAZARD_WINDOW_M = 100.0
HAZARD_MIN_LENGTH_M = 100.0
RESAMPLE_STEP_M = 10.0


def segment_lengths(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Geodesic length in metres of each step between consecutive points."""
    if lat.size < 2:
        return np.zeros(0)
    _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return np.asarray(dist, dtype=np.float64)


def cumulative_distance(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(segment_lengths(lat, lon))])


def _rises_and_falls(values: np.ndarray) -> tuple[float, float]:
    steps = np.diff(values)
    return float(steps[steps > 0].sum()), float(-steps[steps < 0].sum())


def climb(ele: np.ndarray) -> tuple[float, float, float, float]:
    """(ascent, descent) smoothed, then (ascent, descent) raw, over points with elevation."""
    known = ele[~np.isnan(ele)]
    if known.size < 2:
        return 0.0, 0.0, 0.0, 0.0
    smoothed = known.copy()
    smoothed[1:-1] = 0.3 * known[:-2] + 0.4 * known[1:-1] + 0.3 * known[2:]
    return (*_rises_and_falls(smoothed), *_rises_and_falls(known))


@dataclass(frozen=True)
class Gap:
    index: int  # first point after the gap
    length_m: float
    lat: float
    lon: float
    km: float


def segment_gaps(
    lat: np.ndarray, lon: np.ndarray, distance: np.ndarray, segment_starts: list[int]
) -> list[Gap]:
    """Joins between segments longer than GAP_WARNING_M (a lost GPS signal, say)."""
    gaps = []
    for start in segment_starts:
        if start == 0:
            continue
        length = float(distance[start] - distance[start - 1])
        if length > GAP_WARNING_M:
            gaps.append(
                Gap(
                    start,
                    length,
                    float(lat[start - 1]),
                    float(lon[start - 1]),
                    float(distance[start - 1]) / 1000,
                )
            )
    return gaps


class Projection:
    """A local plane around the route in metres (equirectangular about its middle), for
    snapping places onto the line and simplifying it. Over a stage the scale error is far
    below a metre per kilometre, and distances along the route are carried back to the
    geodesic ones. Plain numpy: pyproj transformers are costly to use across threads."""

    METRES_PER_DEGREE_LAT = 111_132.954

    def __init__(self, lat: np.ndarray, lon: np.ndarray) -> None:
        self.lat0 = float((lat.min() + lat.max()) / 2)
        self.lon0 = float((lon.min() + lon.max()) / 2)
        self.east = self.METRES_PER_DEGREE_LAT * math.cos(math.radians(self.lat0))

    def xy(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [(lon - self.lon0) * self.east, (lat - self.lat0) * self.METRES_PER_DEGREE_LAT]
        )


@dataclass(frozen=True)
class Snap:
    """The point of a route nearest a place: how far along (km) and how far off."""

    km: float
    offset_m: float
    lat: float
    lon: float


class SnapLine:
    """Snap places onto a route and find the place at a distance along it.

    Between two points the route is the geodesic, as its distances are. A place is
    compared with the steps of the route in a local plane only to pick the few that can
    be nearest; those are then measured in the place's own azimuthal equidistant frame
    (built from geodesic azimuths and distances, so distances from the place are exact
    there), and the nearest point found is placed on the geodesic step itself. On long
    straight steps km and offset agree with a geodesic computation to well under a metre.
    """

    def __init__(self, lat: np.ndarray, lon: np.ndarray, distance: np.ndarray) -> None:
        self.lat, self.lon, self.distance = lat, lon, distance
        self.projection = Projection(lat, lon)
        self.points = self.projection.xy(lat, lon)
        self.steps = np.diff(distance)

    @property
    def length_m(self) -> float:
        return float(self.distance[-1])

    def snap(self, lat: float, lon: float) -> Snap:
        """The nearest point of the route."""
        return min(self.passes(lat, lon, within_m=0.0), key=lambda s: s.offset_m)

    def passes(self, lat: float, lon: float, *, within_m: float) -> list[Snap]:
        """The nearest point of every stretch of the route that comes within `within_m` of
        the place, in route order; when none does, just the nearest point."""
        steps, snaps = self._measure(lat, lon, self._candidates(lat, lon, within_m))
        nearest = min(range(len(snaps)), key=lambda i: snaps[i].offset_m)
        found: list[Snap] = []
        previous = -2
        for step, snap in zip(steps, snaps, strict=True):
            if snap.offset_m > within_m:
                previous = -2
                continue
            if step == previous + 1 and found:  # the same stretch goes on
                if snap.offset_m < found[-1].offset_m:
                    found[-1] = snap
            else:
                found.append(snap)
            previous = step
        return found or [snaps[nearest]]

    def _candidates(self, lat: float, lon: float, within_m: float) -> np.ndarray:
        """Steps that may come within `within_m` of the place, or be its nearest: those
        near enough in the local plane, with room for the plane's own error (its scale
        away from the middle, and long steps bowing off the straight line)."""
        p = self.projection.xy(np.array([lat]), np.array([lon]))[0]
        a = self.points[:-1]
        d = self.points[1:] - a
        dd = np.einsum("ij,ij->i", d, d)
        t = np.clip(np.einsum("ij,ij->i", p - a, d) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
        planar = np.hypot(*(a + t[:, None] * d - p).T)
        reach = max(within_m, float(planar.min()))
        return np.flatnonzero(planar <= reach * 1.1 + 0.01 * self.steps + 20.0)

    def _measure(self, lat: float, lon: float, steps: np.ndarray) -> tuple[list[int], list[Snap]]:
        n = steps.size
        here_lat, here_lon = np.full(n, lat), np.full(n, lon)
        a_lat, a_lon = self.lat[steps], self.lon[steps]
        b_lat, b_lon = self.lat[steps + 1], self.lon[steps + 1]
        # Both ends in the place's azimuthal equidistant frame, then the nearest point of
        # the chord between them.
        az_a, _, d_a = GEOD.inv(here_lon, here_lat, a_lon, a_lat)
        az_b, _, d_b = GEOD.inv(here_lon, here_lat, b_lon, b_lat)
        az_a, az_b = np.radians(az_a), np.radians(az_b)
        xa, ya = d_a * np.sin(az_a), d_a * np.cos(az_a)
        dx, dy = d_b * np.sin(az_b) - xa, d_b * np.cos(az_b) - ya
        dd = dx * dx + dy * dy
        t = np.clip(-(xa * dx + ya * dy) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
        along = t * self.steps[steps]
        # That point on the geodesic step, and its exact distance from the place.
        azimuth, _, _ = GEOD.inv(a_lon, a_lat, b_lon, b_lat)
        foot_lon, foot_lat, _ = GEOD.fwd(a_lon, a_lat, azimuth, along)
        _, _, offset = GEOD.inv(here_lon, here_lat, foot_lon, foot_lat)
        km = (self.distance[steps] + along) / 1000
        snaps = [
            Snap(km=float(k), offset_m=float(o), lat=float(y), lon=float(x))
            for k, o, y, x in zip(km, offset, foot_lat, foot_lon, strict=True)
        ]
        return steps.tolist(), snaps

    def at(self, metres: float) -> tuple[float, float]:
        """The position `metres` along the route (clamped to its ends), on the geodesic."""
        metres = min(max(metres, 0.0), self.length_m)
        last = self.steps.size - 1
        i = int(np.clip(np.searchsorted(self.distance, metres, side="right") - 1, 0, last))
        azimuth, _, _ = GEOD.inv(self.lon[i], self.lat[i], self.lon[i + 1], self.lat[i + 1])
        lon, lat, _ = GEOD.fwd(self.lon[i], self.lat[i], azimuth, metres - self.distance[i])
        return float(lat), float(lon)


def downsample_profile(
    distance: np.ndarray, ele: np.ndarray, points: int
) -> list[tuple[float, float]]:
    """(metres, elevation) pairs, at most `points`, keeping the highest and lowest points."""
    known = ~np.isnan(ele)
    d, e = distance[known], ele[known]
    if d.size <= points:
        return [(float(a), float(b)) for a, b in zip(d, e, strict=True)]
    keep = set(np.linspace(0, d.size - 1, max(points - 2, 2)).round().astype(int).tolist())
    keep.add(int(np.argmax(e)))
    keep.add(int(np.argmin(e)))
    chosen = sorted(keep)
    return [(float(d[i]), float(e[i])) for i in chosen]


@dataclass(frozen=True)
class Hazard:
    kind: str  # "climb" or "descent"
    from_m: float
    to_m: float
    average_grade: float
    steepest_grade: float

    @property
    def length_m(self) -> float:
        return self.to_m - self.from_m


def hazards(distance: np.ndarray, ele: np.ndarray) -> list[Hazard]:
    """Stretches where the grade over HAZARD_WINDOW_M stays beyond HAZARD_GRADE for at least
    HAZARD_MIN_LENGTH_M; elevation is resampled every RESAMPLE_STEP_M along the route."""
    known = ~np.isnan(ele)
    if known.sum() < 2:
        return []
    d, e = distance[known], ele[known]
    grid = np.arange(d[0], d[-1], RESAMPLE_STEP_M)
    window = int(HAZARD_WINDOW_M / RESAMPLE_STEP_M)
    if grid.size <= window:
        return []
    height = np.interp(grid, d, e)
    grade = (height[window:] - height[:-window]) / HAZARD_WINDOW_M  # window starting at grid[i]
    found: list[Hazard] = []
    for sign, kind in ((1, "climb"), (-1, "descent")):
        steep = sign * grade >= HAZARD_GRADE
        edges = np.flatnonzero(np.diff(np.concatenate([[0], steep.astype(np.int8), [0]])))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            from_m, to_m = float(grid[start]), float(grid[stop - 1] + HAZARD_WINDOW_M)
            if to_m - from_m < HAZARD_MIN_LENGTH_M:
                continue
            rise = float(np.interp(to_m, d, e) - np.interp(from_m, d, e))
            found.append(
                Hazard(
                    kind=kind,
                    from_m=from_m,
                    to_m=to_m,
                    average_grade=rise / (to_m - from_m),
                    steepest_grade=float(sign * np.max(sign * grade[start:stop])),
                )
            )
    return sorted(found, key=lambda h: h.from_m)


def simplify(
    lat: np.ndarray, lon: np.ndarray, ele: np.ndarray, tolerance_m: float
) -> list[list[float]]:
    """[lon, lat(, ele)] positions of the line simplified to `tolerance_m` (Douglas–Peucker
    in the local plane), first and last points kept."""
    if tolerance_m <= 0 or lat.size <= 2:
        keep = np.arange(lat.size)
    else:
        # Carry each vertex's index as its z: Douglas–Peucker works in the plane and keeps
        # the z of the vertices it keeps, which names them.
        plane = Projection(lat, lon).xy(lat, lon)
        indexed = shapely.LineString(
            np.column_stack([plane, np.arange(lat.size, dtype=np.float64)])
        )
        simple = shapely.simplify(indexed, tolerance_m, preserve_topology=False)
        keep = shapely.get_coordinates(simple, include_z=True)[:, 2].astype(np.int64)
    return [
        [round(float(lon[i]), 6), round(float(lat[i]), 6)]
        + ([] if math.isnan(ele[i]) else [round(float(ele[i]), 1)])
        for i in keep
    ]
