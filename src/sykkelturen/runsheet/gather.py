"""The rows run sheets are built from, read with set-based Core queries for a whole tour:
a few statements however many stages, and plain rows, never ORM objects.

Two reads: `versions` (cheap, every stage of the tour: what each stage's sheet depends on,
as versions and counts) and `contents` (the full rows, only of the stages whose kept
fragment is missing or stale)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from sykkelturen.legs.service import BOUNDARY_KINDS

T = SQLModel.metadata.tables
STAGE, ROUTE, CHECKPOINT, MEASURE = T["stage"], T["route_version"], T["checkpoint"], T["measure"]
PERSON, PARTNER, TOMBSTONE, LOG = T["person"], T["partner"], T["tombstone"], T["stage_log_entry"]
TEAM, TEAM_LEG, RIDER, RIDER_LEG = (
    T["team_member"],
    T["team_member_leg"],
    T["rider"],
    T["rider_leg"],
)

Row = sa.Row[*tuple[Any, ...]]
# A row read attribute by attribute many times (checkpoints and measures: a dozen columns
# each, thousands of rows): a plain namespace of its columns, whose attributes cost a tenth
# of a `Row`'s.
Record = SimpleNamespace


def _records(result: sa.CursorResult[Any]) -> list[Record]:
    """Every row of a result as a `Record`, the column names read once (a row's own
    `_mapping` costs three times as much, per row)."""
    names = list(result.keys())
    return [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in result.all()]


@dataclass
class StageVersions:
    """What one stage's sheet depends on, each part as versions that change with it.

    A part over many rows is (count, sum of versions, max id, max updated_at): ids are never
    reused (AUTOINCREMENT on SQLite, identities on PostgreSQL) and a row never moves to
    another stage, so with the same count and max id the rows are the same rows, and then
    an equal sum of versions (each bumped by every UPDATE, see `db.Versioned`) means no row
    changed. Append-only tables (tombstones, the day-of log, leg references, which are
    replaced, never updated) need only count and max id."""

    stage: Row
    route: Row | None = None
    parts: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def key(self) -> tuple[Any, ...]:
        route = tuple(self.route[:8]) if self.route is not None else None
        stage = (
            self.stage.id,
            self.stage.version,
            self.stage.updated_at,
            self.stage.date,
            self.stage.day_changed_at,  # the day's log or actual track (`ridden_m`) changed
        )
        return (stage, route, tuple(sorted(self.parts.items())))

    def count(self, part: str) -> int:
        return int(self.parts.get(part, (0,))[0])

    def newest(self, part: str) -> dt.datetime | None:
        values = self.parts.get(part)
        return values[-1] if values else None


def _stages_of(tour_id: int) -> sa.Select[Any]:
    return sa.select(STAGE.c.id).where(STAGE.c.tour_id == tour_id)


def current_routes(tour_id: int) -> sa.Select[Any]:
    """Each stage's current (highest-numbered) route version, without its geometry."""
    latest = (
        sa.select(ROUTE.c.stage_id, sa.func.max(ROUTE.c.number).label("number"))
        .where(ROUTE.c.stage_id.in_(_stages_of(tour_id)))
        .group_by(ROUTE.c.stage_id)
        .subquery()
    )
    return sa.select(
        ROUTE.c.stage_id,
        ROUTE.c.id,
        ROUTE.c.number,
        ROUTE.c.status,
        ROUTE.c.sha256,
        ROUTE.c.uploaded_at,
        ROUTE.c.reported_at,
        ROUTE.c.finalized_at,
        ROUTE.c.stats,
    ).join(latest, (ROUTE.c.stage_id == latest.c.stage_id) & (ROUTE.c.number == latest.c.number))


def _versioned(table: sa.Table, tour_id: int) -> sa.Select[Any]:
    c = table.c
    return (
        sa.select(
            c.stage_id, sa.func.count(c.id), sa.func.sum(c.version), sa.func.max(c.id),
            sa.func.max(c.updated_at),
        )
        .where(c.stage_id.in_(_stages_of(tour_id)))
        .group_by(c.stage_id)
    )  # fmt: skip


def _people(table: sa.Table, person_column: str, tour_id: int) -> sa.Select[Any]:
    """The people (or partners) a stage's rows name: a deleted one is set NULL in the row
    (without a version bump), so the joined count drops."""
    target = PARTNER if person_column == "responsible_partner_id" else PERSON
    return (
        sa.select(
            table.c.stage_id, sa.func.count(target.c.id), sa.func.sum(target.c.version),
            sa.func.max(target.c.id), sa.func.max(target.c.updated_at),
        )
        .join(target, target.c.id == table.c[person_column])
        .where(table.c.stage_id.in_(_stages_of(tour_id)))
        .group_by(table.c.stage_id)
    )  # fmt: skip


def _legs(table: sa.Table, owner: sa.Table, owner_column: str, tour_id: int) -> sa.Select[Any]:
    return (
        sa.select(owner.c.stage_id, sa.func.count(table.c.id), sa.func.max(table.c.id))
        .join(owner, owner.c.id == table.c[owner_column])
        .where(owner.c.stage_id.in_(_stages_of(tour_id)))
        .group_by(owner.c.stage_id)
    )


def versions(session: Session, tour_id: int, now: dt.datetime) -> dict[int, StageVersions]:
    """Every stage of the tour (in national order) with what its sheet depends on."""
    run = session.connection().execute
    stages = run(
        sa.select(
            STAGE.c.id, STAGE.c.version, STAGE.c.updated_at, STAGE.c.date, STAGE.c.sequence,
            STAGE.c.county, STAGE.c.transfer_after, STAGE.c.day_changed_at,
        )
        .where(STAGE.c.tour_id == tour_id)
        .order_by(STAGE.c.sequence)
    ).all()  # fmt: skip
    result = {row.id: StageVersions(stage=row) for row in stages}
    for row in run(current_routes(tour_id)):
        result[row.stage_id].route = row
    parts = {
        "checkpoints": _versioned(CHECKPOINT, tour_id),
        "measures": _versioned(MEASURE, tour_id),
        "actual_track": _versioned(T["actual_track"], tour_id),  # the day's `ridden_m`
        "team": _versioned(TEAM, tour_id),
        "riders": _versioned(RIDER, tour_id),
        "measure_people": _people(MEASURE, "responsible_person_id", tour_id),
        "measure_partners": _people(MEASURE, "responsible_partner_id", tour_id),
        "team_people": _people(TEAM, "person_id", tour_id),
        "rider_people": _people(RIDER, "person_id", tour_id),
        "team_legs": _legs(TEAM_LEG, TEAM, "team_member_id", tour_id),
        "rider_legs": _legs(RIDER_LEG, RIDER, "rider_id", tour_id),
        "tombstones": sa.select(
            TOMBSTONE.c.stage_id, sa.func.count(TOMBSTONE.c.id), sa.func.max(TOMBSTONE.c.id),
            sa.func.max(TOMBSTONE.c.deleted_at),
        )
        .where(TOMBSTONE.c.stage_id.in_(_stages_of(tour_id)))
        .group_by(TOMBSTONE.c.stage_id),
        # What had been received by `now` (a past `now` replays the day as seen then).
        "log": sa.select(LOG.c.stage_id, sa.func.count(LOG.c.id), sa.func.max(LOG.c.id))
        .where(LOG.c.stage_id.in_(_stages_of(tour_id)), LOG.c.received_at <= now)
        .group_by(LOG.c.stage_id),
        # Whether the stage has a log at all: then it has a forecast (`live.forecasts_for`).
        "logged": sa.select(LOG.c.stage_id, sa.func.count(LOG.c.id))
        .where(LOG.c.stage_id.in_(_stages_of(tour_id)))
        .group_by(LOG.c.stage_id),
    }  # fmt: skip
    for name, statement in parts.items():
        for row in run(statement):
            if row[0] in result:
                result[row[0]].parts[name] = tuple(row[1:])
    return result


@dataclass
class Contents:
    """The full rows of some stages, by stage id."""

    stages: dict[int, Row]
    checkpoints: dict[int, list[Record]]
    marks: dict[int, list[Record]]
    measures: dict[int, list[Record]]


def contents(session: Session, stage_ids: list[int]) -> Contents:
    """The rows of these stages' sheets but their route lines (`lines`: only those whose
    legs or hazards are not kept are read)."""
    run = session.connection().execute
    # `.all()` throughout: one fetch per statement, not a round of row processing per row.
    stages = {
        r.id: r
        for r in run(
            sa.select(
                STAGE.c.id, STAGE.c.sequence, STAGE.c.county, STAGE.c.name, STAGE.c.date,
                STAGE.c.start_place, STAGE.c.finish_place, STAGE.c.starts_at,
                STAGE.c.speeds_kmh, STAGE.c.transfer_after, STAGE.c.ridden_m,
            ).where(STAGE.c.id.in_(stage_ids))
        ).all()
    }  # fmt: skip
    checkpoints: dict[int, list[Record]] = defaultdict(list)
    marks: dict[int, list[Record]] = defaultdict(list)
    for checkpoint in _records(run(
        sa.select(
            CHECKPOINT.c.id, CHECKPOINT.c.stage_id, CHECKPOINT.c.name, CHECKPOINT.c.kind,
            CHECKPOINT.c.km, CHECKPOINT.c.lat, CHECKPOINT.c.lon, CHECKPOINT.c.dwell_minutes,
        )
        .where(CHECKPOINT.c.stage_id.in_(stage_ids))
        .order_by(CHECKPOINT.c.id)
    )):  # fmt: skip
        checkpoints[checkpoint.stage_id].append(checkpoint)
        if checkpoint.kind in BOUNDARY_KINDS:
            marks[checkpoint.stage_id].append(checkpoint)
    person, partner = PERSON.alias("responsible"), PARTNER.alias("partner")
    measures: dict[int, list[Record]] = defaultdict(list)
    for measure in _records(run(
        sa.select(
            MEASURE,
            person.c.name.label("person_name"), person.c.phone.label("person_phone"),
            person.c.email.label("person_email"),
            person.c.organisation.label("person_organisation"),
            person.c.id.label("person_id"),
            partner.c.id.label("partner_id"), partner.c.name.label("partner_name"),
            partner.c.kind.label("partner_kind"),
        )
        .outerjoin(person, person.c.id == MEASURE.c.responsible_person_id)
        .outerjoin(partner, partner.c.id == MEASURE.c.responsible_partner_id)
        .where(MEASURE.c.stage_id.in_(stage_ids))
        .order_by(MEASURE.c.id)
    )):  # fmt: skip
        measures[measure.stage_id].append(measure)
    return Contents(stages=stages, checkpoints=checkpoints, marks=marks, measures=measures)


def lines(session: Session, route_ids: list[int]) -> dict[int, Row]:
    """The full lines of these route versions, by stage id (a megabyte or so a real route:
    read only where needed)."""
    if not route_ids:
        return {}
    return {
        r.stage_id: r
        for r in session.connection().execute(
            sa.select(
                ROUTE.c.stage_id, ROUTE.c.id, ROUTE.c.sha256, ROUTE.c.uploaded_at,
                ROUTE.c.geometry, ROUTE.c.point_times, ROUTE.c.segment_starts,
            ).where(ROUTE.c.id.in_(route_ids))
        ).all()
    }  # fmt: skip
