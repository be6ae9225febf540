"""The run sheet as a calendar, a map (GeoJSON) and a GPS file (GPX), from the same data
as JSON. Spreadsheets are in `spreadsheets.py`."""

import json
from typing import Any

from sqlmodel import Session, select

from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.gpx.writer import NamedPlace, Track, line_feature, point_feature, to_gpx
from sykkelturen.ical import calendar
from sykkelturen.routes.versions import current_versions, load_line
from sykkelturen.runsheet import calendars
from sykkelturen.runsheet.models import TourRunSheet
from sykkelturen.texts import Lang, phrase


def to_ical(sheet: TourRunSheet, *, with_checkpoints: bool, lang: Lang, name: str) -> bytes:
    """An event per stage (start to the arrival at the slowest speed), and with
    `with_checkpoints` one per place (the window the relay may be there)."""
    events = []
    for stage in sheet.stages:
        events.append(calendars.stage_event(stage, lang))
        if with_checkpoints:
            events += calendars.checkpoint_events(stage, lang)
    return calendar(name=name, zone_key=sheet.time_zone, events=events, lang=lang)


def to_geojson(session: Session, sheet: TourRunSheet) -> str:
    """Stage lines (the simplified map lines) and checkpoints as one FeatureCollection."""
    versions = current_versions(session, sheet.tour_id)
    features: list[dict[str, Any]] = []
    for stage in sheet.stages:
        version = versions.get(stage.stage_id)
        if version is not None:
            features.append(
                line_feature(
                    version.map_line,
                    {
                        "type": "stage",
                        "stage_id": stage.stage_id,
                        "sequence": stage.sequence,
                        "name": stage.name,
                        "county": stage.county,
                        "date": stage.date.isoformat(),
                        "starts_at": stage.starts_at.isoformat() if stage.starts_at else None,
                        "distance_m": stage.distance_m,
                        "ascent_m": stage.ascent_m,
                    },
                )
            )
    for stage in sheet.stages:
        places = _checkpoint_places(session, stage.stage_id)
        for line in stage.lines:
            lat, lon = places[line.checkpoint_id]
            features.append(
                point_feature(
                    lat,
                    lon,
                    {
                        "type": "checkpoint",
                        "stage_id": stage.stage_id,
                        "name": line.name,
                        "kind": line.kind,
                        "km": line.km,
                        "times": [t.arrive.isoformat() for t in line.times],
                    },
                )
            )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _checkpoint_places(session: Session, stage_id: int) -> dict[int, tuple[float, float]]:
    rows = session.exec(select(Checkpoint).where(Checkpoint.stage_id == stage_id)).all()
    return {c.id: (c.lat, c.lon) for c in rows if c.id is not None}


def to_gpx_document(session: Session, sheet: TourRunSheet) -> str:
    """The whole tour: a track per stage (full resolution, its segments and times as
    uploaded), checkpoints as waypoints."""
    versions = current_versions(session, sheet.tour_id)
    tracks = []
    places = []
    for stage in sheet.stages:
        version = versions.get(stage.stage_id)
        if version is None:
            continue
        line = load_line(version)
        tracks.append(
            Track(
                name=phrase("stage", Lang.nb, sequence=stage.sequence, name=stage.name),
                lat=line.lat,
                lon=line.lon,
                ele=line.ele,
                times=line.times,
                segment_starts=tuple(line.segment_starts),
            )
        )
        located = _checkpoint_places(session, stage.stage_id)
        for ln in stage.lines:
            lat, lon = located[ln.checkpoint_id]
            places.append(
                NamedPlace(
                    name=ln.name,
                    kind=ln.kind,
                    lat=lat,
                    lon=lon,
                    description=f"Etappe {stage.sequence}",
                )
            )
    return to_gpx(name=sheet.name, description="Kjøreplan", tracks=tracks, places=places)
