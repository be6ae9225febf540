"""Reading stored route versions: the current one, one by number, and its full line."""

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlmodel import Session, col, func, select

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

    def snapper(self) -> geometry.SnapLine:
        return geometry.SnapLine(self.lat, self.lon, self.distance)


def load_line(version: RouteVersion) -> Line:
    rows = np.frombuffer(zlib.decompress(version.geometry), dtype="<f8").reshape(4, -1)
    return Line(lat=rows[0], lon=rows[1], ele=rows[2], distance=rows[3])


def current_version(session: Session, stage: Stage) -> RouteVersion | None:
    return session.exec(
        select(RouteVersion)
        .where(RouteVersion.stage_id == stage.id)
        .order_by(col(RouteVersion.number).desc())
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
