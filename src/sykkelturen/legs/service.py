"""A stage's legs from its checkpoints and current route, and assignments' legs read and
checked against them (the rules themselves are in `legs/rules.py`)."""

import itertools
from collections.abc import Sequence

from sqlmodel import Session, select

from sykkelturen.checkpoints.models import Checkpoint, CheckpointKind
from sykkelturen.gpx import geometry
from sykkelturen.legs import rules
from sykkelturen.legs.models import AssignedLeg, ChangedLeg, Leg, Legs
from sykkelturen.legs.problems import UnknownLeg
from sykkelturen.legs.rules import END, START, Boundary, Coverage, Stretch
from sykkelturen.routes.versions import Line, current_version, load_line
from sykkelturen.stages.models import Stage

BOUNDARY_KINDS = (CheckpointKind.start, CheckpointKind.handover, CheckpointKind.finish)


def _marks(session: Session, stage: Stage) -> list[rules.Mark]:
    rows = session.exec(
        select(Checkpoint).where(
            Checkpoint.stage_id == stage.id,
            Checkpoint.kind.in_(BOUNDARY_KINDS),  # type: ignore[attr-defined]
        )
    ).all()
    return [rules.Mark(id=c.id, kind=c.kind, km=c.km, name=c.name) for c in rows if c.id]


def _end_names(stage: Stage) -> tuple[str, str]:
    """Without a start or finish checkpoint, the stage's own places name the ends."""
    return stage.start_place or "Start", stage.finish_place or "Mål"


def boundaries(session: Session, stage: Stage) -> list[Boundary]:
    version = current_version(session, stage)
    length_km = version.stats["distance_m"] / 1000 if version is not None else None
    return rules.boundaries(_marks(session, stage), length_km, *_end_names(stage))


def stage_legs(session: Session, stage: Stage) -> Legs:
    """The legs between consecutive boundaries (start, handovers, end) of the current
    route, with distance and climb; none while the stage has no route."""
    version = current_version(session, stage)
    if version is None:
        return Legs(route_version=None, items=[])
    return Legs(
        route_version=version.number,
        items=legs_along(_marks(session, stage), load_line(version), *_end_names(stage)),
    )


def legs_along(
    marks: Sequence[rules.Mark], line: Line, start_name: str, end_name: str
) -> list[Leg]:
    """The legs of a route line between the boundaries its marks make, with distance and
    climb (for readers that have the checkpoints already, such as the run sheet)."""
    bounds = rules.boundaries(marks, float(line.distance[-1]) / 1000, start_name, end_name)
    items = []
    for number, (start, end) in enumerate(itertools.pairwise(bounds), 1):
        assert start.km is not None
        assert end.km is not None
        start_m, end_m = start.km * 1000, end.km * 1000
        inside = (line.distance >= start_m) & (line.distance <= end_m)
        ascent, descent, _, _ = geometry.climb(line.ele[inside])
        items.append(
            Leg(
                key=rules.key(start, end),
                number=number,
                from_checkpoint_id=start.checkpoint_id,
                from_name=start.name,
                to_checkpoint_id=end.checkpoint_id,
                to_name=end.name,
                km_from=round(start.km, 3),
                km_to=round(end.km, 3),
                distance_m=round(end_m - start_m, 1),
                ascent_m=round(ascent, 1),
                descent_m=round(descent, 1),
            )
        )
    return items


def stretches(session: Session, stage: Stage, keys: Sequence[str]) -> list[Stretch]:
    """Legs named in a body, as the stretches to store ([] for the whole stage)."""
    bounds = boundaries(session, stage)
    runs = rules.merge(keys, bounds)
    if runs is None:
        bad = next(k for k in keys if rules.merge([k], bounds) is None)
        raise UnknownLeg(
            f"Stage {stage.id} has the legs {', '.join(rules.leg_keys(bounds))}; {bad} is "
            "neither one of them nor a stretch between two of their boundaries "
            "(GET …/legs lists them)."
        )
    return runs


def reference(stretch: Stretch) -> AssignedLeg:
    """The stored reference of a stretch: its key and the handover checkpoints it names."""
    start, end = stretch
    return AssignedLeg(
        key=rules.key(start, end),
        from_checkpoint_id=None if start == START else int(start),
        to_checkpoint_id=None if end == END else int(end),
    )


def stored_keys(refs: Sequence[AssignedLeg]) -> list[str]:
    return [ref.key for ref in sorted(refs, key=lambda r: r.id or 0)]


def why_changed(session: Session, stage: Stage, leg_key: str, bounds: Sequence[Boundary]) -> str:
    stretch = rules.parse(leg_key)
    if stretch is None:
        return f"{leg_key} names a leg by a number it had before legs were named; choose again"
    present = {b.side for b in bounds}
    for side in stretch:
        if side in present:
            continue
        checkpoint = session.get(Checkpoint, int(side))
        if checkpoint is None or checkpoint.stage_id != stage.id:
            return f"handover {side} was deleted"
        if checkpoint.kind != CheckpointKind.handover:
            return f"checkpoint {side} ({checkpoint.name}) is a {checkpoint.kind}, not a handover"
        if checkpoint.km is None:
            return f"handover {side} ({checkpoint.name}) is not on the route"
        return f"handover {side} ({checkpoint.name}) lies outside the stage's start and finish"
    return f"{stretch[1]} now comes before {stretch[0]} along the route"


def assignment_legs(
    session: Session, stage: Stage, keys: Sequence[str], bounds: Sequence[Boundary] | None = None
) -> tuple[Coverage, list[ChangedLeg]]:
    """What a stored assignment covers today, and why any part of it no longer does."""
    bounds = boundaries(session, stage) if bounds is None else bounds
    cover = rules.coverage(keys, bounds)
    changed = [
        ChangedLeg(key=k, reason=why_changed(session, stage, k, bounds)) for k in cover.changed
    ]
    return cover, changed
