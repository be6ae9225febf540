"""The actual track of a stage: the GPX a phone or bike computer recorded on the day,
uploaded after it, read by the same hardened reader as routes, giving the distance ridden.

An upload is read and measured before any transaction opens (`prepare_track`); the write
(`store_track`) is short. A stage has one actual track: the first upload needs no
`If-Match`, replacing or deleting it needs the ETag of `GET …/actual-track`, and the same
file again changes nothing (a phone retrying after a lost answer). Only the line is kept
(see `ActualTrack`). The stage shows the distance (`day.ridden_m`); outcomes prefer it to
the planned route.
"""

import datetime as dt
import hashlib
import zlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.daylog.models import ActualTrack, ActualTrackPublic
from sykkelturen.daylog.problems import ActualTrackNotFound
from sykkelturen.daylog.service import may_see_details, require_log_writer
from sykkelturen.db import utcnow
from sykkelturen.gpx.reader import GpxLine, GpxRefused, read_gpx
from sykkelturen.gpx.writer import Track, to_gpx
from sykkelturen.problems import PreconditionFailed, PreconditionRequired
from sykkelturen.routes.measurement import measure
from sykkelturen.routes.models import RouteStats, RouteWarning
from sykkelturen.routes.problems import GpxRejected
from sykkelturen.routes.service import Upload, gpx_filename, inflate
from sykkelturen.routes.versions import current_version
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.stages.problems import StageNotRiddenYet
from sykkelturen.texts import Lang, phrase
from sykkelturen.tours.models import Tour


@dataclass(frozen=True)
class PreparedTrack:
    """An upload read and measured: everything the write needs. Made with no transaction."""

    digest: str
    line: GpxLine
    stats: RouteStats
    warnings: list[RouteWarning]
    filename: str | None


def prepare_track(upload: Upload, *, max_inflated_bytes: int, max_points: int) -> PreparedTrack:
    """Inflate, read and measure: CPU work only, the same limits and refusals as a route."""
    data = inflate(upload.raw, limit=max_inflated_bytes, gzip_encoded=upload.gzip_encoded)
    try:
        line = read_gpx(data, max_points=max_points)
    except GpxRefused as refused:
        raise GpxRejected(refused.message, code=f"gpx_{refused.code}") from None
    stats, warnings, _ = measure(line)
    return PreparedTrack(
        digest=hashlib.sha256(data).hexdigest(),
        line=line,
        stats=stats,
        warnings=warnings,
        filename=gpx_filename(upload.filename),
    )


def _encode(line: GpxLine) -> bytes:
    times = line.times if line.times is not None else np.full(line.lat.size, np.nan)
    return zlib.compress(np.stack([line.lat, line.lon, line.ele, times]).astype("<f8").tobytes(), 1)


def _decode(track: ActualTrack) -> np.ndarray:
    return np.frombuffer(zlib.decompress(track.geometry), dtype="<f8").reshape(4, -1)


def find_track(session: Session, stage: Stage) -> ActualTrack | None:
    return session.exec(select(ActualTrack).where(ActualTrack.stage_id == stage.id)).first()


def get_track(session: Session, stage: Stage) -> ActualTrack:
    track = find_track(session, stage)
    if track is None:
        raise ActualTrackNotFound(f"Stage {stage.id} has no actual track yet.")
    return track


def _moment(seconds: float | None, zone: ZoneInfo) -> dt.datetime | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(seconds, zone)


def public(
    session: Session, actor: Actor, stage: Stage, tour: Tour, track: ActualTrack
) -> ActualTrackPublic:
    details = may_see_details(actor, stage)
    zone = ZoneInfo(tour.time_zone)
    times = _decode(track)[3]
    known = times[~np.isnan(times)]
    planned = current_version(session, stage)
    return ActualTrackPublic(
        **track.stats,
        stage_id=stage.id,
        planned_distance_m=planned.stats["distance_m"] if planned is not None else None,
        started_at=_moment(float(known.min()), zone) if known.size else None,
        ended_at=_moment(float(known.max()), zone) if known.size else None,
        sha256=track.sha256,
        original_filename=track.original_filename,
        note=track.note if details else None,
        uploaded_at=track.updated_at.astimezone(zone),
        uploaded_by=track.uploaded_by if details else None,
        warnings=[RouteWarning.model_validate(w) for w in track.warnings],
    )


def track_gpx(stage: Stage, track: ActualTrack) -> str:
    """The track as GPX 1.1, written from the stored line (segments and times as read)."""
    rows = _decode(track)
    times = rows[3] if not np.isnan(rows[3]).all() else None
    title = phrase("stage", Lang.nb, sequence=stage.sequence, name=stage.name)
    return to_gpx(
        name=title,
        description="Faktisk spor",
        tracks=[
            Track(
                name=title,
                lat=rows[0],
                lon=rows[1],
                ele=rows[2],
                times=times,
                segment_starts=tuple(track.segment_starts),
            )
        ],
        places=[],
    )


def _resource(stage: Stage) -> audit.Resource:
    return audit.Resource(
        type="actual_track", id=str(stage.id), tour_id=stage.tour_id, county=stage.county
    )


def require_track_writer(actor: Actor, *, stage: Stage, tour: Tour, now: dt.datetime) -> None:
    """Those who write the stage's log (its stage-day token on the day), once the day has
    come: a track is what was ridden."""
    require_log_writer(actor, stage=stage, tour=tour, now=now)
    if now.astimezone(ZoneInfo(tour.time_zone)).date() < stage.date:
        raise StageNotRiddenYet(
            f"Stage {stage.id} rides on {stage.date.isoformat()}; upload what was ridden on "
            "the day or after."
        )


def _show_ridden(session: Session, stage: Stage, metres: float | None, now: dt.datetime) -> None:
    """The stage's own body shows the distance ridden (and so its ETag follows it)."""
    session.execute(
        sa.update(Stage)
        .where(col(Stage.id) == stage.id)
        .values(ridden_m=metres, day_changed_at=now)
    )
    session.expire(stage, ["ridden_m", "day_changed_at"])


def store_track(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    tour: Tour,
    prepared: PreparedTrack,
    note: str | None,
    if_match: str | None,
    if_none_match: str | None,
    now: dt.datetime,
) -> tuple[ActualTrack, bool]:
    """The track stored, and whether anything changed."""
    require_track_writer(actor, stage=stage, tour=tour, now=now)
    existing = find_track(session, stage)
    if existing is not None and existing.sha256 == prepared.digest:
        return existing, False  # the same file again: nothing to do, nothing to match
    before = None
    if existing is not None:
        if if_none_match is not None and if_none_match.strip() == "*":
            raise PreconditionFailed(f"Stage {stage.id} already has an actual track.")
        if if_match is None:
            raise PreconditionRequired(
                "The stage has an actual track: send If-Match with the ETag from "
                "GET …/actual-track to replace it."
            )
        before = public(session, actor, stage, tour, existing)
        check_if_match(if_match, etag_of(before))
    elif if_match is not None and if_match.strip() != "*":
        raise PreconditionFailed(f"Stage {stage.id} has no actual track yet to match.")
    line = prepared.line
    assert stage.id is not None
    track = existing or ActualTrack(stage_id=stage.id, sha256="", uploaded_by="", geometry=b"")
    track.sqlmodel_update(
        {
            "sha256": prepared.digest,
            "original_filename": prepared.filename,
            "note": note,
            "uploaded_by": actor.name,
            "stats": prepared.stats.model_dump(mode="json"),
            "warnings": [w.model_dump(mode="json") for w in prepared.warnings],
            "geometry": _encode(line),
            "segment_starts": list(line.segment_starts),
            "updated_at": utcnow(),
        }
    )
    session.add(track)
    session.flush()
    _show_ridden(session, stage, prepared.stats.distance_m, now)
    audit.record(
        session,
        actor=actor,
        action="upload",
        resource=_resource(stage),
        before=before,
        after=public(session, actor, stage, tour, track),
    )
    return track, True


def delete_track(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    tour: Tour,
    if_match: str,
    now: dt.datetime,
) -> None:
    require_log_writer(actor, stage=stage, tour=tour, now=now)
    track = get_track(session, stage)
    before = public(session, actor, stage, tour, track)
    check_if_match(if_match, etag_of(before))
    session.delete(track)
    session.flush()
    _show_ridden(session, stage, None, now)
    audit.record(session, actor=actor, action="delete", resource=_resource(stage), before=before)


def ridden_m(session: Session, stage_ids: list[int]) -> dict[int, float]:
    """Metres actually ridden, per stage with an actual track."""
    rows = session.exec(
        select(ActualTrack.stage_id, ActualTrack.stats).where(
            col(ActualTrack.stage_id).in_(stage_ids)
        )
    ).all()
    return {stage_id: float(stats["distance_m"]) for stage_id, stats in rows}
