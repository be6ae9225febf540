"""Reading stored route versions: the current one, one by number, and its full line."""

import datetime as dt
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy import orm
from sqlmodel import Session, col, func, select

from sykkelturen.caching import LruCache
from sykkelturen.gpx import geometry
from sykkelturen.routes.models import RouteVersion
from sykkelturen.routes.problems import RouteNotFound, RouteVersionNotFound
from sykkelturen.stages.models import Stage


@dataclass(frozen=True)
class Line:
    """The full-resolution line of a route version."""

    lat: np.ndarray
    lon: np.ndarray
    ele: np.ndarray
    distance: np.ndarray
    times: np.ndarray | None  # seconds since the epoch, NaN where unknown; None: no times
    segment_starts: list[int]

    def snapper(self) -> geometry.SnapLine:
        return self._snapper

    @cached_property
    def _snapper(self) -> geometry.SnapLine:
        # Built once per cached line: it projects every point, and each checkpoint or
        # measure placed on the route (inside its write transaction) needs it.
        return geometry.SnapLine(self.lat, self.lon, self.distance)


# A route version never changes once stored. Its id alone could be reused after a delete
# (SQLite), so cached things are keyed by id, content hash and upload time together.
VersionKey = tuple[int | None, str, str]
_lines: LruCache[VersionKey, Line] = LruCache(512)
_bounds: LruCache[VersionKey, dict[str, float]] = LruCache(20_000)


def version_key(version_id: int | None, sha256: str, uploaded_at: dt.datetime) -> VersionKey:
    return (version_id, sha256, uploaded_at.isoformat())


def load_line(version: RouteVersion) -> Line:
    key = version_key(version.id, version.sha256, version.uploaded_at)
    kept = _lines.get(key)
    if kept is not None:  # the blobs below stay unread (see `_BLOBS`)
        return kept
    return decode_line(
        key,
        version.geometry,
        version.point_times,
        version.segment_starts,
    )


def decode_line(
    key: VersionKey, geometry: bytes, point_times: bytes | None, segment_starts: list[int] | None
) -> Line:
    """The line of a stored version from its columns (decoded once per worker, by key)."""

    def decode() -> Line:
        rows = np.frombuffer(zlib.decompress(geometry), dtype="<f8").reshape(4, -1)
        times = (
            np.frombuffer(zlib.decompress(point_times), dtype="<f8")
            if point_times is not None
            else None
        )
        return Line(
            lat=rows[0],
            lon=rows[1],
            ele=rows[2],
            distance=rows[3],
            times=times,
            segment_starts=list(segment_starts or [0]),
        )

    return _lines.get_or_make(key, decode)


def route_line(session: Session, stage: Stage) -> geometry.SnapLine | None:
    """The current route's line, to place checkpoints, measures and activities on (see
    routes/placement.py); None while the stage has no route."""
    version = current_version(session, stage)
    return load_line(version).snapper() if version is not None else None


# The big columns of a version, read only when used: most callers of `current_version`
# (a checkpoint or measure placed on the route, an upload numbering its version) need the
# number and the digest, and the line comes from `_lines` while the version is unchanged.
# Reading megabytes of GPX and a JSON map line per write would hold a write lock for it.
_BLOBS = tuple(
    orm.defer(getattr(RouteVersion, name))
    for name in ("original_gz", "geometry", "point_times", "map_line")
)


def current_version(session: Session, stage: Stage) -> RouteVersion | None:
    return session.exec(
        select(RouteVersion)
        .where(RouteVersion.stage_id == stage.id)
        .order_by(col(RouteVersion.number).desc())
        .options(*_BLOBS)
    ).first()


def require_current(session: Session, stage: Stage) -> RouteVersion:
    version = current_version(session, stage)
    if version is None:
        raise RouteNotFound(f"Stage {stage.id} has no route yet; upload one with PUT …/route.")
    return version


def get_version(session: Session, stage: Stage, number: int) -> RouteVersion:
    version = session.exec(
        select(RouteVersion).where(RouteVersion.stage_id == stage.id, RouteVersion.number == number)
    ).first()
    if version is None:
        raise RouteVersionNotFound(f"Stage {stage.id} has no route version {number}.")
    return version


def _latest_numbers(tour_id: int | None) -> Any:
    """Subquery: the current (highest) version number of each stage of a tour."""
    return (
        select(RouteVersion.stage_id, func.max(RouteVersion.number).label("number"))
        .join(Stage, col(Stage.id) == col(RouteVersion.stage_id))
        .where(Stage.tour_id == tour_id)
        .group_by(col(RouteVersion.stage_id))
        .subquery()
    )


def _is_current(latest: Any) -> Any:
    return (col(RouteVersion.stage_id) == latest.c.stage_id) & (
        col(RouteVersion.number) == latest.c.number
    )


def current_versions(session: Session, tour_id: int | None) -> dict[int, RouteVersion]:
    """The current route version of every stage of a tour that has one."""
    latest = _latest_numbers(tour_id)
    rows = session.exec(select(RouteVersion).join(latest, _is_current(latest))).all()
    return {v.stage_id: v for v in rows}


def current_statuses(session: Session, tour_id: int | None) -> dict[int, str]:
    """The status of every stage's current route version (without loading geometry)."""
    latest = _latest_numbers(tour_id)
    rows = session.exec(
        select(RouteVersion.stage_id, RouteVersion.status).join(latest, _is_current(latest))
    ).all()
    return dict(rows)


def current_bounds(
    session: Session, tour_id: int | None
) -> list[tuple[int, VersionKey, dict[str, float]]]:
    """(stage id, version key, bounds) of every current route of a tour, reading the stats
    of a version only the first time this process meets it."""
    latest = _latest_numbers(tour_id)
    rows = session.exec(
        select(
            RouteVersion.stage_id, RouteVersion.id, RouteVersion.sha256, RouteVersion.uploaded_at
        ).join(latest, _is_current(latest))
    ).all()
    result = []
    for stage_id, version_id, sha256, uploaded_at in rows:
        key = version_key(version_id, sha256, uploaded_at)

        def read(version_id: int | None = version_id) -> dict[str, float]:
            stats = session.exec(
                select(RouteVersion.stats).where(RouteVersion.id == version_id)
            ).one()
            bounds: dict[str, float] = stats["bounds"]
            return bounds

        result.append((stage_id, key, _bounds.get_or_make(key, read)))
    return result
