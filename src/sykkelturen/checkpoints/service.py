"""Checkpoints placed on the stage's current route."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.checkpoints import rules
from sykkelturen.checkpoints.models import (
    Checkpoint,
    CheckpointCreate,
    CheckpointKind,
    CheckpointPublic,
    CheckpointUpdate,
    OtherPass,
)
from sykkelturen.checkpoints.problems import (
    CheckpointInUse,
    CheckpointKindTaken,
    CheckpointNotFound,
    CheckpointOfOtherStage,
    NoRouteForKm,
)
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.db import StaleSnapshot, utcnow
from sykkelturen.gpx import geometry
from sykkelturen.routes import placement
from sykkelturen.routes.models import RouteVersion
from sykkelturen.routes.placement import FAR_FROM_ROUTE_M
from sykkelturen.routes.versions import (
    VersionKey,
    current_version,
    load_line,
    route_line,
    version_key,
)
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tombstones.models import TombstoneType


def public(checkpoint: Checkpoint) -> CheckpointPublic:
    warnings = []
    if checkpoint.offset_m is not None and checkpoint.offset_m > FAR_FROM_ROUTE_M:
        warnings.append(
            f"far_from_route: {checkpoint.offset_m:,.0f} m from the route "
            f"(over {FAR_FROM_ROUTE_M:.0f} m)"
        )
    if checkpoint.other_passes:
        at = ", ".join(f"km {p['km']:.1f}" for p in checkpoint.other_passes)
        warnings.append(
            f"several_passes: the route also passes within {FAR_FROM_ROUTE_M:.0f} m at {at}; "
            "send near_km to choose the pass"
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
        other_passes=[
            OtherPass(km=round(p["km"], 3), offset_m=round(p["offset_m"], 1))
            for p in checkpoint.other_passes
        ],
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


def stage_checkpoint(session: Session, stage: Stage, checkpoint_id: object) -> Checkpoint:
    """The checkpoint a measure or an activity is placed at: one of its own stage's."""
    checkpoint = session.get(Checkpoint, checkpoint_id)
    if checkpoint is None or checkpoint.stage_id != stage.id:
        raise CheckpointOfOtherStage(f"Stage {stage.id} has no checkpoint {checkpoint_id}.")
    return checkpoint


def _check_kind(session: Session, stage: Stage, kind: str, itself: int | None) -> None:
    with session.no_autoflush:
        others = session.exec(
            select(Checkpoint.id, Checkpoint.kind).where(Checkpoint.stage_id == stage.id)
        ).all()
    holder = rules.holder_of(kind, [(i, k) for i, k in others if i is not None], itself)
    if holder is not None:
        name = session.get(Checkpoint, holder)
        raise CheckpointKindTaken(
            f"Stage {stage.id} already has a {kind}: checkpoint {holder}"
            f"{f' ({name.name})' if name else ''}. A stage has one start and one finish; "
            "move that one instead, or change its kind first."
        )


def _set_place(checkpoint: Checkpoint, place: placement.Placement | None) -> None:
    if place is None:
        checkpoint.km = checkpoint.offset_m = None
        checkpoint.other_passes = []
        return
    checkpoint.lat, checkpoint.lon = place.lat, place.lon
    checkpoint.km, checkpoint.offset_m = place.km, place.offset_m
    checkpoint.other_passes = [{"km": p.km, "offset_m": p.offset_m} for p in place.other_passes]


def _by_km(line: geometry.SnapLine | None, km: float) -> placement.Placement:
    if line is None:
        raise NoRouteForKm("A position given as km needs a route; upload one, or give lat and lon.")
    return placement.by_km(line, km)


def _by_point(
    line: geometry.SnapLine | None, lat: float, lon: float, near_km: float | None
) -> placement.Placement | None:
    return placement.by_point(line, lat, lon, near_km=near_km) if line is not None else None


@dataclass(frozen=True)
class ResnapPlan:
    """Where each checkpoint of a stage lands on a new line, found before the write lock:
    checkpoint id → (the version it was placed from, its place)."""

    places: dict[int, tuple[int, placement.Placement | None]]


def plan_resnap(session: Session, *, stage_id: int, line: geometry.SnapLine) -> ResnapPlan:
    rows = session.exec(select(Checkpoint).where(Checkpoint.stage_id == stage_id)).all()
    return ResnapPlan(
        {c.id: (c.version, _by_point(line, c.lat, c.lon, c.km)) for c in rows if c.id is not None}
    )


def resnap_all(
    session: Session, *, stage: Stage, line: geometry.SnapLine, plan: ResnapPlan | None = None
) -> None:
    """A new route version moves every checkpoint onto the new line: the place itself
    (lat/lon), on the pass nearest where it was (its old km), so a place the route passes
    twice keeps its pass. With a `plan` the places were found beforehand: `StaleSnapshot`
    when the stage's checkpoints are no longer the ones it was made from."""
    rows = session.exec(select(Checkpoint).where(Checkpoint.stage_id == stage.id)).all()
    if plan is not None and {c.id: c.version for c in rows} != {
        i: version for i, (version, _) in plan.places.items()
    }:
        raise StaleSnapshot(f"Stage {stage.id}'s checkpoints changed since they were placed.")
    for checkpoint in rows:
        assert checkpoint.id is not None
        place = (
            plan.places[checkpoint.id][1]
            if plan is not None
            else _by_point(line, checkpoint.lat, checkpoint.lon, checkpoint.km)
        )
        _set_place(checkpoint, place)
        session.add(checkpoint)


def add_checkpoint(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    line: geometry.SnapLine | None,
    name: str,
    kind: CheckpointKind,
    lat: float | None = None,
    lon: float | None = None,
    km: float | None = None,
    near_km: float | None = None,
    dwell_minutes: int = 0,
    municipality: str | None = None,
    notes: str | None = None,
) -> Checkpoint:
    """A checkpoint at km along `line` (kept exactly), or at lat/lon (snapped)."""
    checkpoint = _placed(
        session,
        stage=stage,
        line=line,
        name=name,
        kind=kind,
        lat=lat,
        lon=lon,
        km=km,
        near_km=near_km,
        dwell_minutes=dwell_minutes,
        municipality=municipality,
        notes=notes,
    )
    return _store_new(session, actor=actor, stage=stage, checkpoint=checkpoint)


def _placed(
    session: Session,
    *,
    stage: Stage,
    line: geometry.SnapLine | None,
    name: str,
    kind: CheckpointKind,
    lat: float | None,
    lon: float | None,
    km: float | None,
    near_km: float | None,
    dwell_minutes: int,
    municipality: str | None,
    notes: str | None,
) -> Checkpoint:
    """The new checkpoint, placed on `line`, not yet in the session."""
    assert stage.id is not None
    _check_kind(session, stage, kind, None)
    if km is not None:
        place: placement.Placement | None = _by_km(line, km)
        assert place is not None
        lat, lon = place.lat, place.lon
    else:
        assert lat is not None
        assert lon is not None
        place = _by_point(line, lat, lon, near_km)
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
    _set_place(checkpoint, place)
    return checkpoint


def _store_new(
    session: Session, *, actor: Actor, stage: Stage, checkpoint: Checkpoint
) -> Checkpoint:
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


@dataclass(frozen=True)
class CheckpointPlan:
    """A new checkpoint placed before any write lock, and the route version it is on."""

    checkpoint: Checkpoint  # not in any session
    route: VersionKey | None


def _route_key(version: RouteVersion | None) -> VersionKey | None:
    return version_key(version.id, version.sha256, version.uploaded_at) if version else None


def prepare_checkpoint(
    session: Session, *, actor: Actor, stage: Stage, data: CheckpointCreate
) -> CheckpointPlan:
    """Check and place a new checkpoint (the route's line read, the place found) without
    storing it; `store_checkpoint` stores it if the stage's route is still that version."""
    actor.require_county_write(stage.county)
    version = current_version(session, stage)
    checkpoint = _placed(
        session,
        stage=stage,
        line=load_line(version).snapper() if version is not None else None,
        name=data.name,
        kind=data.kind,
        lat=data.lat,
        lon=data.lon,
        km=data.km,
        near_km=data.near_km,
        dwell_minutes=data.dwell_minutes,
        municipality=data.municipality,
        notes=data.notes,
    )
    return CheckpointPlan(checkpoint=checkpoint, route=_route_key(version))


def store_checkpoint(
    session: Session, *, actor: Actor, stage: Stage, plan: CheckpointPlan
) -> Checkpoint:
    """Store a prepared checkpoint: `StaleSnapshot` when the stage has another route
    version by now (it is placed again); the one-start-one-finish rule checked again."""
    actor.require_county_write(stage.county)
    # On PostgreSQL an upload's store holds the stage's row FOR UPDATE while it re-places the
    # stage's checkpoints: a share lock waits for it, so the route version read next is the
    # one that upload committed, and an upload that comes later waits for this checkpoint
    # and re-places it too. Without it a checkpoint stored while an upload was storing
    # stayed on the old line. (SQLite writers already queue for the whole database.)
    session.exec(select(Stage.id).where(col(Stage.id) == stage.id).with_for_update(read=True))
    if _route_key(current_version(session, stage)) != plan.route:
        raise StaleSnapshot(f"Stage {stage.id} has a new route since the checkpoint was placed.")
    _check_kind(session, stage, plan.checkpoint.kind, None)
    return _store_new(session, actor=actor, stage=stage, checkpoint=plan.checkpoint)


def create_checkpoint(
    session: Session, *, actor: Actor, stage: Stage, data: CheckpointCreate
) -> Checkpoint:
    plan = prepare_checkpoint(session, actor=actor, stage=stage, data=data)
    return store_checkpoint(session, actor=actor, stage=stage, plan=plan)


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
    near_km = changes.pop("near_km", None)
    if changes.get("kind") is not None:
        _check_kind(session, stage, changes["kind"], checkpoint.id)
    moved = "lat" in changes or km is not None or near_km is not None
    line = route_line(session, stage) if moved else None  # read before anything changes
    for name, value in changes.items():
        setattr(checkpoint, name, value)
    if moved:  # a km stays exactly where it was given unless the position changes
        if km is not None:
            _set_place(checkpoint, _by_km(line, km))
        else:
            near = near_km if near_km is not None else checkpoint.km
            _set_place(checkpoint, _by_point(line, checkpoint.lat, checkpoint.lon, near))
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


PlacedAt = Callable[[Session, int], list[str]]
"""What a layer above has placed at a checkpoint, named for the refusal ("measure 3"):
measures and activities follow their checkpoint. The caller hands these in, so that
checkpoints import none of those layers."""


def delete_checkpoint(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    checkpoint: Checkpoint,
    if_match: str,
    placed_at: Sequence[PlacedAt],
) -> None:
    """Refused while anything `placed_at` finds is placed at it (measures, activities):
    they follow the checkpoint, and deleting it would leave them nowhere."""
    actor.require_county_write(stage.county)
    before = public(checkpoint)
    check_if_match(if_match, etag_of(before))
    assert checkpoint.id is not None
    placed = [thing for find in placed_at for thing in find(session, checkpoint.id)]
    if placed:
        raise CheckpointInUse(
            f"{', '.join(placed).capitalize()} {'is' if len(placed) == 1 else 'are'} placed at "
            f"checkpoint {checkpoint.id}; place {'it' if len(placed) == 1 else 'them'} "
            "elsewhere first."
        )
    tombstones.bury(session, stage, TombstoneType.checkpoint, checkpoint.id)
    session.delete(checkpoint)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_resource(stage, checkpoint), before=before
    )
