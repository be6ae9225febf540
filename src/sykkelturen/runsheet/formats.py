"""The run sheet as a calendar, a map (GeoJSON) and a GPS file (GPX), from the same data
as JSON. Spreadsheets are in `spreadsheets.py`. On the day each shows expected and actual
beside the plan: GeoJSON as properties (`planned`, `expected`, `actual`, `delay_minutes`,
`late`; the stage's `status`, start and finish), GPX in each waypoint's `<desc>`."""

import datetime as dt
import json
from typing import Any

from sqlmodel import Session, select

from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.gpx.writer import NamedPlace, Track, line_feature, point_feature, to_gpx
from sykkelturen.ical import calendar
from sykkelturen.routes.versions import current_versions, load_line
from sykkelturen.runsheet import calendars
from sykkelturen.runsheet.models import RunSheetLine, StageRunSheet, TourRunSheet
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
                        **_stage_day(stage),
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
                        "planned": _iso(line.planned),
                        "expected": _iso(line.expected),
                        "actual": _iso(line.actual),
                        "delay_minutes": line.delay_minutes,
                        "late": line.late,
                    },
                )
            )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _stage_day(stage: StageRunSheet) -> dict[str, Any]:
    """The stage on the day beside its plan; nulls off the day."""
    day = stage.day
    return {
        "status": day.status if day else None,
        "expected_start": _iso(day.expected_start) if day else None,
        "started_at": _iso(day.started_at) if day else None,
        "delay_minutes": day.delay_minutes if day else None,
        "finish_expected": _iso(day.finish_expected) if day else None,
        "finish_actual": _iso(day.finish_actual) if day else None,
        "ridden_m": day.ridden_m if day else None,
    }


def _waypoint_text(stage: StageRunSheet, line: RunSheetLine) -> str:
    """What a GPS unit shows of a place: its stage, and on the day planned, expected and
    actual (the calendar's words)."""
    on_day = calendars.day_note(
        line.planned,
        line.expected,
        line.actual,
        Lang.nb,
        flag="day_late_handover" if line.late else None,
    )
    return f"Etappe {stage.sequence}" + (f" · {on_day}" if on_day else "")


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
                    description=_waypoint_text(stage, ln),
                )
            )
    return to_gpx(name=sheet.name, description="Kjøreplan", tracks=tracks, places=places)
