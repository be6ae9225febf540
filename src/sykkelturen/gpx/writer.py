"""Writing routes out: GPX 1.1 (through gpxpy, which we trust with our own data) and GeoJSON."""

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


def to_gpx(
    *,
    name: str,
    description: str | None,
    tracks: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
    places: list[NamedPlace],
) -> str:
    """A GPX 1.1 document: one track per (name, lat, lon, ele) and places as waypoints."""
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
    for track_name, lat, lon, ele in tracks:
        track = gpxpy.gpx.GPXTrack(name=track_name)
        segment = gpxpy.gpx.GPXTrackSegment()
        segment.points = [
            gpxpy.gpx.GPXTrackPoint(
                latitude=float(a),
                longitude=float(o),
                elevation=None if math.isnan(e) else round(float(e), 1),
            )
            for a, o, e in zip(lat, lon, ele, strict=True)
        ]
        track.segments.append(segment)
        document.tracks.append(track)
    return document.to_xml(version="1.1")


def positions(lat: np.ndarray, lon: np.ndarray, ele: np.ndarray) -> list[list[float]]:
    """GeoJSON positions [lon, lat, ele?], rounded to 6 decimals (about 0.1 m)."""
    return [
        [round(float(o), 6), round(float(a), 6)] + ([] if math.isnan(e) else [round(float(e), 1)])
        for a, o, e in zip(lat, lon, ele, strict=True)
    ]


def line_feature(coordinates: list[list[float]], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": properties,
    }


def point_feature(lat: float, lon: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }
