"""Reading stored route versions: the current one, one by number, and its full line."""

import zlib
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, col, select

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
