"""Recording deletions of run-sheet rows, and listing them for `updated_since`."""

import datetime as dt
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from sykkelturen.tombstones.models import Deleted, Tombstone, TombstoneType


class Stage(Protocol):
    """What a tombstone keeps of the stage a deleted row was on (a `stages.models.Stage`).
    Tombstones have no foreign keys, the stage may be gone too, so they need no more of it
    and sit below the stages that use them."""

    id: int | None
    tour_id: int
    county: str
    date: dt.date


def bury(session: Session, stage: Stage, kind: TombstoneType, resource_id: int | None) -> None:
    assert stage.id is not None
    assert resource_id is not None
    session.add(
        Tombstone(
            tour_id=stage.tour_id,
            stage_id=stage.id,
            county=stage.county,
            date=stage.date,
            type=kind,
            resource_id=resource_id,
        )
    )


# What a stage's delete takes with it (ON DELETE CASCADE) that the run sheet shows.
_CASCADED = (
    TombstoneType.checkpoint,
    TombstoneType.measure,
    TombstoneType.team_member,
    TombstoneType.rider,
)


def bury_stage(session: Session, stage: Stage) -> None:
    """A stage and what the run sheet showed of it: its checkpoints, measures, team and
    riders go with it (ON DELETE CASCADE), so each gets a tombstone too.

    Each kind is named after its table, read by name: the domains that own those tables sit
    above this one and import it, never the other way round."""
    for kind in _CASCADED:
        rows = sa.table(kind.value, sa.column("id"), sa.column("stage_id"))
        for row_id in session.exec(select(rows.c.id).where(rows.c.stage_id == stage.id)).all():
            bury(session, stage, kind, row_id)
    bury(session, stage, TombstoneType.stage, stage.id)


def deleted_since(
    session: Session,
    *,
    tour_id: int,
    since: dt.datetime,
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[Tombstone]:
    statement = select(Tombstone).where(
        Tombstone.tour_id == tour_id, col(Tombstone.deleted_at) > since
    )
    if county is not None:
        statement = statement.where(Tombstone.county == county)
    if date_from is not None:
        statement = statement.where(col(Tombstone.date) >= date_from)
    if date_to is not None:
        statement = statement.where(col(Tombstone.date) <= date_to)
    return list(session.exec(statement.order_by(col(Tombstone.id))).all())


def public(tombstone: Tombstone) -> Deleted:
    return Deleted(
        type=TombstoneType(tombstone.type),
        id=tombstone.resource_id,
        stage_id=tombstone.stage_id,
        deleted_at=tombstone.deleted_at,
    )
