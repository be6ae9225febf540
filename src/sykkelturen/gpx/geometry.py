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
    km: float
    offset_m: float
    lat: float
    lon: float


class SnapLine:
    """Snap places onto a route and find the place at a distance along it."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, distance: np.ndarray) -> None:
        self.lat, self.lon, self.distance = lat, lon, distance
        self.projection = Projection(lat, lon)
        points = self.projection.xy(lat, lon)
        self.line = shapely.LineString(points)
        self.planar = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])

    def snap(self, lat: float, lon: float) -> Snap:
        point = shapely.Point(self.projection.xy(np.array([lat]), np.array([lon]))[0])
        along = float(self.line.project(point))
        offset = float(self.line.distance(point))
        # Carry the planar position over to the geodesic distance, step by step.
        index = int(
            np.clip(np.searchsorted(self.planar, along, side="right") - 1, 0, self.planar.size - 2)
        )
        step = self.planar[index + 1] - self.planar[index]
        fraction = (along - self.planar[index]) / step if step > 0 else 0.0
        metres = self.distance[index] + fraction * (self.distance[index + 1] - self.distance[index])
        at = self.at(float(metres))
        return Snap(km=float(metres) / 1000, offset_m=offset, lat=at[0], lon=at[1])

    def at(self, metres: float) -> tuple[float, float]:
        """The position `metres` along the route (clamped to its ends)."""
        metres = min(max(metres, 0.0), float(self.distance[-1]))
        return float(np.interp(metres, self.distance, self.lat)), float(
            np.interp(metres, self.distance, self.lon)
        )


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
