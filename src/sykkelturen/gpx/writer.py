"""Writing routes out: GPX 1.1 (through gpxpy, which we trust with our own data) and GeoJSON."""

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import Any

import gpxpy.gpx
import numpy as np


@dataclass(frozen=True)
class NamedPlace:
    name: str
    kind: str
    lat: float
    lon: float
    description: str | None = None


@dataclass(frozen=True)
class Track:
    """A line to write as one `<trk>`: its segments as uploaded, times where it had them."""

    name: str
    lat: np.ndarray
    lon: np.ndarray
    ele: np.ndarray  # NaN where a point has no elevation
    times: np.ndarray | None = None  # seconds since the epoch, NaN where unknown
    segment_starts: tuple[int, ...] = (0,)


def _time(seconds: float) -> dt.datetime | None:
    return None if math.isnan(seconds) else dt.datetime.fromtimestamp(seconds, dt.UTC)


def to_gpx(
    *,
    name: str,
    description: str | None,
    tracks: list[Track],
    places: list[NamedPlace],
) -> str:
    """A GPX 1.1 document: a `<trk>` per track with a `<trkseg>` per segment, places as
    waypoints."""
    document = gpxpy.gpx.GPX()
    document.creator = "Sykkelturen API"
    document.name = name
    document.description = description
    for place in places:
        document.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=place.lat,
                longitude=place.lon,
                name=place.name,
                description=place.description,
                type=place.kind,
            )
        )
    for line in tracks:
        track = gpxpy.gpx.GPXTrack(name=line.name)
        times = line.times if line.times is not None else np.full(line.lat.size, np.nan)
        starts = sorted({s for s in line.segment_starts if 0 <= s < line.lat.size} | {0})
        for begin, end in itertools.pairwise([*starts, int(line.lat.size)]):
            segment = gpxpy.gpx.GPXTrackSegment()
            segment.points = [
                gpxpy.gpx.GPXTrackPoint(
                    latitude=float(a),
                    longitude=float(o),
                    elevation=None if math.isnan(e) else round(float(e), 1),
                    time=_time(float(t)),
                )
                for a, o, e, t in zip(
                    line.lat[begin:end],
                    line.lon[begin:end],
                    line.ele[begin:end],
                    times[begin:end],
                    strict=True,
                )
            ]
            track.segments.append(segment)
        document.tracks.append(track)
    return document.to_xml(version="1.1")


def positions(lat: np.ndarray, lon: np.ndarray, ele: np.ndarray) -> list[list[float]]:
    """GeoJSON positions [lon, lat(, ele)], rounded to 6 decimals (about 0.1 m); with
    elevation only when every point has one (see `one_dimension`)."""
    three = not np.isnan(ele).any()
    return [
        [round(float(o), 6), round(float(a), 6)] + ([round(float(e), 1)] if three else [])
        for a, o, e in zip(lat, lon, ele, strict=True)
    ]


def one_dimension(coordinates: list[list[float]]) -> list[list[float]]:
    """All positions 3-D when all have an elevation, else all 2-D: a geometry mixing both
    is refused by shapely, GEOS and most GeoJSON validators (RFC 7946 §3.1.1)."""
    if all(len(p) >= 3 for p in coordinates):
        return coordinates
    return [p[:2] for p in coordinates]


def line_feature(coordinates: list[list[float]], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": one_dimension(coordinates)},
        "properties": properties,
    }


def point_feature(lat: float, lon: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }
