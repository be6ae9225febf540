"""The national run sheet in CSV, iCalendar, GeoJSON and GPX, from the same data as JSON."""

import csv
import io
import json
from typing import Any

import icalendar
from sqlmodel import Session, select

from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.db import utcnow
from sykkelturen.gpx.writer import NamedPlace, line_feature, point_feature, to_gpx
from sykkelturen.routes.versions import current_versions, load_line
from sykkelturen.runsheet.models import Clock, TourRunSheet

CSV_HEAD = [
    "stage",
    "county",
    "date",
    "stage_name",
    "row",
    "name",
    "kind",
    "status",
    "km",
    "km_to_go",
]


def _at(times: list[Clock], speeds: list[float]) -> list[str]:
    by_speed = {t.speed_kmh: t.arrive.strftime("%H:%M") for t in times}
    return [by_speed.get(speed, "") for speed in speeds]


def to_csv(sheet: TourRunSheet) -> str:
    """One row per itinerary line, finish and measure; a column per planned speed."""
    speeds = sorted({s for stage in sheet.stages for s in stage.speeds_kmh})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEAD + [f"at_{speed:g}_kmh" for speed in speeds])
    for stage in sheet.stages:
        base = [stage.sequence, stage.county, stage.date.isoformat(), stage.name]
        for line in stage.lines:
            writer.writerow(
                [
                    *base,
                    "checkpoint",
                    line.name,
                    line.kind,
                    "",
                    line.km if line.km is not None else "",
                    line.km_to_go if line.km_to_go is not None else "",
                    *_at(line.times, speeds),
                ]
            )
        if stage.distance_m is not None:
            writer.writerow(
                [
                    *base,
                    "finish",
                    stage.finish_place or "",
                    "finish",
                    "",
                    round(stage.distance_m / 1000, 3),
                    0,
                    *_at(stage.finish, speeds),
                ]
            )
        for row in stage.measures:
            measure = row.measure
            explicit = measure.starts_at.strftime("%H:%M") if measure.starts_at else None
            times = [explicit] * len(speeds) if explicit else _at(row.times, speeds)
            writer.writerow(
                [
                    *base,
                    "measure",
                    measure.title,
                    measure.kind,
                    measure.status,
                    measure.km if measure.km is not None else "",
                    "",
                    *times,
                ]
            )
    return out.getvalue()


def to_ical(sheet: TourRunSheet, *, with_checkpoints: bool) -> bytes:
    """One event per stage (start to finish at the slowest speed); optionally one per checkpoint."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Sykkelturen API//run sheet//NO")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", sheet.name)
    cal.add("x-wr-timezone", sheet.time_zone)
    stamp = utcnow()
    for stage in sheet.stages:
        event = icalendar.Event()
        event.add("uid", f"stage-{stage.stage_id}@sykkelturen")
        event.add("dtstamp", stamp)
        event.add("summary", f"Sykkelturen etappe {stage.sequence}: {stage.name}")
        event.add("location", stage.start_place or stage.name)
        details = [f"{stage.start_place or '?'} → {stage.finish_place or '?'}"]
        if stage.distance_m is not None:
            details.append(f"{stage.distance_m / 1000:.1f} km, {stage.ascent_m:.0f} m opp")
        event.add("description", "\n".join(details))
        if stage.starts_at is not None:
            event.add("dtstart", stage.starts_at)
            event.add("dtend", stage.finish[0].arrive if stage.finish else stage.starts_at)
        else:
            event.add("dtstart", stage.date)
        cal.add_component(event)
        if with_checkpoints:
            for line in stage.lines:
                if not line.times:
                    continue
                point = icalendar.Event()
                point.add("uid", f"checkpoint-{line.checkpoint_id}@sykkelturen")
                point.add("dtstamp", stamp)
                point.add("summary", f"{line.name} (etappe {stage.sequence})")
                point.add("dtstart", line.times[0].arrive)
                point.add(
                    "dtend",
                    line.times[-1].depart
                    if line.times[-1].depart > line.times[0].arrive
                    else line.times[0].arrive,
                )
                cal.add_component(point)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


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
    """The whole tour: a track per stage (full resolution), checkpoints as waypoints."""
    versions = current_versions(session, sheet.tour_id)
    tracks = []
    places = []
    for stage in sheet.stages:
        version = versions.get(stage.stage_id)
        if version is None:
            continue
        line = load_line(version)
        tracks.append((f"Etappe {stage.sequence}: {stage.name}", line.lat, line.lon, line.ele))
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
