"""Measuring a route line, pure: its stats, its warnings and the stored form of its
geometry. No database, no HTTP; the upload path and the benchmarks call it alike."""

import zlib

import numpy as np

from sykkelturen.gpx import geometry
from sykkelturen.gpx.reader import GpxLine
from sykkelturen.routes.models import Bounds, RouteStats, RouteWarning


def encode_line(line: GpxLine, distance: np.ndarray) -> bytes:
    """The line as stored: lat, lon, ele and distance as little-endian floats, deflated."""
    rows = np.stack([line.lat, line.lon, line.ele, distance]).astype("<f8")
    return zlib.compress(rows.tobytes(), 1)  # fast; float bits compress little anyway


SHORTEST_STAGE_M = 1_000.0
LONGEST_DURATION_S = 7 * 24 * 3600.0  # a stage is ridden in a day; a recce may take days
FAR_OUTSIDE_COUNTY_KM = 20.0  # beyond the county's bounding box, which already has slack
_KM_PER_DEGREE = 111.32


def km_outside(lat: np.ndarray, lon: np.ndarray, box: Bounds) -> float:
    """How far the farthest point lies outside a bounding box, in km (0 inside it)."""
    dlat = np.maximum(np.maximum(box.min_lat - lat, lat - box.max_lat), 0.0)
    dlon = np.maximum(np.maximum(box.min_lon - lon, lon - box.max_lon), 0.0)
    dlon_km = dlon * _KM_PER_DEGREE * np.cos(np.radians(lat))
    return float(np.max(np.hypot(dlat * _KM_PER_DEGREE, dlon_km)))


def plausibility(
    stats: RouteStats, line: GpxLine, county: str | None, county_box: Bounds | None
) -> list[RouteWarning]:
    """Warnings for a route that reads fine but is unlikely to be what was meant."""
    warnings = []
    if stats.distance_m < SHORTEST_STAGE_M:
        warnings.append(
            RouteWarning(
                code="route_short",
                message=f"The route is {stats.distance_m:,.0f} m long; a stage is usually "
                "several kilometres.",
            )
        )
    if stats.duration_s is not None and stats.duration_s < 0:
        warnings.append(
            RouteWarning(
                code="duration_negative",
                message="The last timestamp is before the first; times are unreliable.",
            )
        )
    elif stats.duration_s is not None and stats.duration_s > LONGEST_DURATION_S:
        warnings.append(
            RouteWarning(
                code="duration_implausible",
                message=f"The timestamps span {stats.duration_s / 86400:,.0f} days; "
                "times are unreliable.",
            )
        )
    if county_box is not None:
        outside = km_outside(line.lat, line.lon, county_box)
        if outside > FAR_OUTSIDE_COUNTY_KM:
            warnings.append(
                RouteWarning(
                    code="outside_county",
                    message=f"The route reaches {outside:,.0f} km outside county {county}; "
                    "is it the right file for this stage?",
                )
            )
    return warnings


def measure(
    line: GpxLine, *, county: str | None = None, county_box: Bounds | None = None
) -> tuple[RouteStats, list[RouteWarning], np.ndarray]:
    distance = geometry.cumulative_distance(line.lat, line.lon)
    ascent, descent, ascent_raw, descent_raw = geometry.climb(line.ele)
    known = line.ele[~np.isnan(line.ele)]
    stats = RouteStats(
        point_count=line.point_count,
        distance_m=round(float(distance[-1]), 1),
        ascent_m=round(ascent, 1),
        descent_m=round(descent, 1),
        ascent_raw_m=round(ascent_raw, 1),
        descent_raw_m=round(descent_raw, 1),
        smoothing=geometry.SMOOTHING,
        min_elevation_m=round(float(known.min()), 1) if known.size else None,
        max_elevation_m=round(float(known.max()), 1) if known.size else None,
        elevation_coverage=round(known.size / line.point_count, 4),
        bounds={
            "min_lat": float(line.lat.min()),
            "min_lon": float(line.lon.min()),
            "max_lat": float(line.lat.max()),
            "max_lon": float(line.lon.max()),
        },
        start={"lat": float(line.lat[0]), "lon": float(line.lon[0])},
        end={"lat": float(line.lat[-1]), "lon": float(line.lon[-1])},
        has_times=line.times_known > 0,
        duration_s=(
            line.last_time - line.first_time
            if line.first_time is not None and line.last_time is not None and line.times_known > 1
            else None
        ),
        source=line.source,
        segments=len(line.segment_starts),
    )
    warnings = [RouteWarning(code=w.code, message=w.message) for w in line.warnings]
    for gap in geometry.segment_gaps(line.lat, line.lon, distance, line.segment_starts):
        warnings.append(
            RouteWarning(
                code="segment_gap",
                message=f"A {gap.length_m:,.0f} m gap between segments is joined as a "
                "straight line.",
                km=round(gap.km, 3),
                lat=gap.lat,
                lon=gap.lon,
            )
        )
    if known.size == 0:
        warnings.append(
            RouteWarning(
                code="no_elevation", message="No point has an elevation; climb is unknown."
            )
        )
    elif known.size < line.point_count:
        warnings.append(
            RouteWarning(
                code="partial_elevation",
                message=f"{line.point_count - known.size} of {line.point_count} points have "
                "no elevation; climb covers the rest.",
            )
        )
    warnings += plausibility(stats, line, county, county_box)
    return stats, warnings, distance
