"""Checkpoints snapped to the stage's current route, and the legs between handovers."""

import itertools

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.checkpoints.models import (
    Checkpoint,
    CheckpointCreate,
    CheckpointKind,
    CheckpointPublic,
    CheckpointUpdate,
    Leg,
    Legs,
)
from sykkelturen.checkpoints.problems import CheckpointNotFound, NoRouteForKm
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.db import utcnow
from sykkelturen.gpx import geometry
from sykkelturen.routes.versions import current_version, load_line
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tombstones.models import TombstoneType

FAR_FROM_ROUTE_M = 200.0
LEG_BOUNDARIES = {CheckpointKind.start, CheckpointKind.handover, CheckpointKind.finish}


def public(checkpoint: Checkpoint) -> CheckpointPublic:
    warnings = []
    if checkpoint.offset_m is not None and checkpoint.offset_m > FAR_FROM_ROUTE_M:
        warnings.append(
            f"far_from_route: {checkpoint.offset_m:,.0f} m from the route "
            f"(over {FAR_FROM_ROUTE_M:.0f} m)"
        )
    if checkpoint.km is None:
        warnings.append("not_snapped: the stage has no route yet")
    assert checkpoint.id is not None
    return CheckpointPublic(
        id=checkpoint.id,
        stage_id=checkpoint.stage_id,
        name=checkpoint.name,
        kind=CheckpointKind(checkpoint.kind),
        lat=checkpoint.lat,
        lon=checkpoint.lon,
        km=round(checkpoint.km, 3) if checkpoint.km is not None else None,
        offset_m=round(checkpoint.offset_m, 1) if checkpoint.offset_m is not None else None,
        dwell_minutes=checkpoint.dwell_minutes,
        municipality=checkpoint.municipality,
        notes=checkpoint.notes,
        warnings=warnings,
        version=checkpoint.version,
        updated_at=checkpoint.updated_at,
    )


def _resource(stage: Stage, checkpoint: Checkpoint) -> audit.Resource:
    return audit.Resource(
        type="checkpoint", id=str(checkpoint.id), tour_id=stage.tour_id, county=stage.county
    )


def ordered(session: Session, stage: Stage) -> list[Checkpoint]:
    """Along the route (by km), then those not yet snapped, in the order they were added."""
    rows = session.exec(
        select(Checkpoint).where(Checkpoint.stage_id == stage.id).order_by(col(Checkpoint.id))
    ).all()
    return sorted(rows, key=lambda c: (c.km is None, c.km or 0.0, c.id or 0))


def get_checkpoint(session: Session, stage: Stage, checkpoint_id: int) -> Checkpoint:
    checkpoint = session.get(Checkpoint, checkpoint_id)
    if checkpoint is None or checkpoint.stage_id != stage.id:
        raise CheckpointNotFound(f"Stage {stage.id} has no checkpoint {checkpoint_id}.")
    return checkpoint


def _snapper(session: Session, stage: Stage) -> geometry.SnapLine | None:
    version = current_version(session, stage)
    return load_line(version).snapper() if version is not None else None


def _place(checkpoint: Checkpoint, snapper: geometry.SnapLine | None) -> None:
    if snapper is None:
        checkpoint.km = checkpoint.offset_m = None
        return
    snap = snapper.snap(checkpoint.lat, checkpoint.lon)
    checkpoint.km, checkpoint.offset_m = snap.km, snap.offset_m


def _position_from_km(snapper: geometry.SnapLine | None, km: float) -> tuple[float, float]:
    if snapper is None:
        raise NoRouteForKm("A position given as km needs a route; upload one, or give lat and lon.")
    return snapper.at(km * 1000)


def resnap_all(session: Session, *, stage: Stage, snapper: geometry.SnapLine) -> None:
    """A new route version moves every checkpoint's km and offset onto the new line."""
    for checkpoint in session.exec(select(Checkpoint).where(Checkpoint.stage_id == stage.id)).all():
        _place(checkpoint, snapper)
        session.add(checkpoint)


def add_snapped(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    snapper: geometry.SnapLine | None,
    name: str,
    kind: CheckpointKind,
    lat: float,
    lon: float,
    dwell_minutes: int = 0,
    municipality: str | None = None,
    notes: str | None = None,
) -> Checkpoint:
    assert stage.id is not None
    checkpoint = Checkpoint(
        stage_id=stage.id,
        name=name,
        kind=kind,
        lat=lat,
        lon=lon,
        dwell_minutes=dwell_minutes,
        municipality=municipality,
        notes=notes,
    )
    _place(checkpoint, snapper)
    session.add(checkpoint)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(stage, checkpoint),
        after=public(checkpoint),
    )
    return checkpoint


def create_checkpoint(
    session: Session, *, actor: Actor, stage: Stage, data: CheckpointCreate
) -> Checkpoint:
    actor.require_county_write(stage.county)
    snapper = _snapper(session, stage)
    if data.km is not None:
        lat, lon = _position_from_km(snapper, data.km)
    else:
        assert data.lat is not None
        assert data.lon is not None
        lat, lon = data.lat, data.lon
    return add_snapped(
        session,
        actor=actor,
        stage=stage,
        snapper=snapper,
        name=data.name,
        kind=data.kind,
        lat=lat,
        lon=lon,
        dwell_minutes=data.dwell_minutes,
        municipality=data.municipality,
        notes=data.notes,
    )


_NULLABLE = {"municipality", "notes"}


def update_checkpoint(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    checkpoint: Checkpoint,
    data: CheckpointUpdate,
    if_match: str,
) -> Checkpoint:
    actor.require_county_write(stage.county)
    before = public(checkpoint)
    check_if_match(if_match, etag_of(before))
    changes = {
        k: v
        for k, v in data.model_dump(exclude_unset=True).items()
        if v is not None or k in _NULLABLE
    }
    km = changes.pop("km", None)
    snapper = _snapper(session, stage)
    if km is not None:
        changes["lat"], changes["lon"] = _position_from_km(snapper, km)
    for name, value in changes.items():
        setattr(checkpoint, name, value)
    _place(checkpoint, snapper)
    checkpoint.updated_at = utcnow()
    session.add(checkpoint)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(stage, checkpoint),
        before=before,
        after=public(checkpoint),
    )
    return checkpoint


def delete_checkpoint(
    session: Session, *, actor: Actor, stage: Stage, checkpoint: Checkpoint, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    before = public(checkpoint)
    check_if_match(if_match, etag_of(before))
    tombstones.bury(session, stage, TombstoneType.checkpoint, checkpoint.id)
    session.delete(checkpoint)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_resource(stage, checkpoint), before=before
    )


def legs(session: Session, stage: Stage) -> Legs:
    """The stretches between consecutive start/handover/finish checkpoints; without any,
    the whole route is one leg."""
    version = current_version(session, stage)
    if version is None:
        return Legs(route_version=None, items=[])
    line = load_line(version)
    total = float(line.distance[-1])
    boundaries: list[tuple[Checkpoint | None, float]] = [
        (c, c.km * 1000)
        for c in ordered(session, stage)
        if c.kind in LEG_BOUNDARIES and c.km is not None
    ]
    if not boundaries or boundaries[0][1] > 0:
        boundaries.insert(0, (None, 0.0))
    if boundaries[-1][1] < total and (
        boundaries[-1][0] is None or boundaries[-1][0].kind != CheckpointKind.finish
    ):
        boundaries.append((None, total))
    items = []
    for number, ((start, start_m), (end, end_m)) in enumerate(itertools.pairwise(boundaries), 1):
        inside = (line.distance >= start_m) & (line.distance <= end_m)
        ascent, descent, _, _ = geometry.climb(line.ele[inside])
        items.append(
            Leg(
                number=number,
                from_checkpoint_id=start.id if start else None,
                # Without a start or finish checkpoint, the stage's own places name the ends.
                from_name=start.name if start else (stage.start_place or "Start"),
                to_checkpoint_id=end.id if end else None,
                to_name=end.name if end else (stage.finish_place or "Mål"),
                km_from=round(start_m / 1000, 3),
                km_to=round(end_m / 1000, 3),
                distance_m=round(end_m - start_m, 1),
                ascent_m=round(ascent, 1),
                descent_m=round(descent, 1),
            )
        )
    return Legs(
        route_version=version.number,
        items=[leg for leg in items if leg.distance_m > 0 or len(items) == 1],
    )
