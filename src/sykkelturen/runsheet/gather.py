"""The rows run sheets are built from, read with set-based Core queries for a whole tour:
a few statements however many stages, and plain rows, never ORM objects.

Two reads: `versions` (cheap, every stage of the tour: what each stage's sheet depends on,
as versions and counts, in two statements) and `contents` (the full rows, only of the
stages whose kept fragment is missing or stale, and of those only what is not kept under
the same versions)."""

import datetime as dt
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from sykkelturen.caching import LruCache
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
# each, thousands of rows): a named tuple of its columns, whose attributes cost a tenth of a
# `Row`'s, made for a tenth of what a namespace costs, and which the garbage collector stops
# walking (a tuple of plain values). Kept rows (`_rows`) are shared: never changed.
Record = Any
_record_types: dict[tuple[str, ...], type[tuple[Any, ...]]] = {}


def _records(result: sa.CursorResult[Any]) -> list[Record]:
    """Every row of a result as a `Record` (a named tuple of its columns, the class made
    once per statement's columns)."""
    names = tuple(result.keys())
    kind = _record_types.get(names)
    if kind is None:
        kind = _record_types[names] = namedtuple("Record", names)
    make = kind._make  # type: ignore[attr-defined]
    return [make(row) for row in result.all()]


@dataclass
class StageVersions:
    """What one stage's sheet depends on, each part as versions that change with it.

    A part over many rows is (count, sum of versions, max id, max updated_at): ids are never
    reused (AUTOINCREMENT on SQLite, identities on PostgreSQL) and a row never moves to
    another stage, so with the same count and max id the rows are the same rows, and then
    an equal sum of versions (each bumped by every UPDATE, see `db.Versioned`) means no row
    changed. Append-only tables (tombstones, the day-of log, leg references, which are
    replaced, never updated) need only count and max id (their sum is None)."""

    stage: Row
    route: "CurrentRoute | None" = None  # none uploaded
    parts: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def key(self) -> tuple[Any, ...]:
        route = self.route.key() if self.route is not None else None
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


@dataclass(frozen=True)
class CurrentRoute:
    """A stage's current (highest-numbered) route version, as its sheet's key and handovers
    read it. `stats` is set by the upload and never changed, so it is read once per
    version and worker (`_stats`)."""

    stage_id: int
    id: int
    number: int
    status: str
    sha256: str
    uploaded_at: dt.datetime
    reported_at: dt.datetime | None
    finalized_at: dt.datetime | None
    stats: dict[str, Any] | None  # None only for a version deleted since it was read

    def key(self) -> tuple[Any, ...]:
        return (self.id, self.number, self.status, self.sha256, self.uploaded_at,
                self.reported_at, self.finalized_at)  # fmt: skip


# The version reads are built once, with the tour and the instant as parameters: building
# and caching a statement of this size anew costs more than running it.
_TOUR_ID: sa.BindParameter[int] = sa.bindparam("tour_id")


def _stages_of() -> sa.Select[Any]:
    return sa.select(STAGE.c.id).where(STAGE.c.tour_id == _TOUR_ID)


def _current_number() -> sa.ScalarSelect[Any]:
    """The number of the stage's current (highest-numbered) route version."""
    latest = ROUTE.alias("latest")
    return (
        sa.select(sa.func.max(latest.c.number))
        .where(latest.c.stage_id == STAGE.c.id)
        .scalar_subquery()
    )


def _stages_and_routes() -> sa.Select[Any]:
    """The stages in national order, each with its current route version's key (not its
    line, nor its stats: see `_stats`).

    No route row is read: `ix_route_version_current` holds every column read here. On
    SQLite that matters, since a row's later columns are reached only by walking the
    original file's overflow pages (see that index's migration). The version is matched by
    `number >= ` the highest number (the same row as `=`): with `=` SQLite's planner takes
    the unique (stage_id, number) index, which reaches one row exactly, and reads the row."""
    return (
        sa.select(
            STAGE.c.id, STAGE.c.version, STAGE.c.updated_at, STAGE.c.date, STAGE.c.sequence,
            STAGE.c.county, STAGE.c.transfer_after, STAGE.c.day_changed_at,
            ROUTE.c.id.label("route_id"), ROUTE.c.number.label("route_number"),
            ROUTE.c.status.label("route_status"), ROUTE.c.sha256.label("route_sha256"),
            ROUTE.c.uploaded_at.label("route_uploaded_at"),
            ROUTE.c.reported_at.label("route_reported_at"),
            ROUTE.c.finalized_at.label("route_finalized_at"),
        )
        .select_from(
            STAGE.outerjoin(
                ROUTE, (ROUTE.c.stage_id == STAGE.c.id) & (ROUTE.c.number >= _current_number())
            )
        )
        .where(STAGE.c.tour_id == _TOUR_ID)
        .order_by(STAGE.c.sequence)
    )  # fmt: skip


# The parts of a stage's versions, read in one statement (`_parts`): each as
# (stage_id, count, sum of versions, max id, newest time), None where a part has no such
# figure. Every statement is a round trip on PostgreSQL; one, not a dozen, per build.
def _versioned(name: str, table: sa.Table) -> sa.Select[Any]:
    c = table.c
    return (
        sa.select(
            sa.literal_column(f"'{name}'").label("part"), c.stage_id.label("stage_id"),
            sa.func.count(c.id).label("n"), sa.func.sum(c.version).label("versions"),
            sa.func.max(c.id).label("top"), sa.func.max(c.updated_at).label("newest"),
        )
        .where(c.stage_id.in_(_stages_of()))
        .group_by(c.stage_id)
    )  # fmt: skip


def _people(name: str, table: sa.Table, person_column: str) -> sa.Select[Any]:
    """The people (or partners) a stage's rows name: a deleted one is set NULL in the row
    (without a version bump), so the joined count drops."""
    target = PARTNER if person_column == "responsible_partner_id" else PERSON
    return (
        sa.select(
            sa.literal_column(f"'{name}'"), table.c.stage_id, sa.func.count(target.c.id),
            sa.func.sum(target.c.version), sa.func.max(target.c.id),
            sa.func.max(target.c.updated_at),
        )
        .join(target, target.c.id == table.c[person_column])
        .where(table.c.stage_id.in_(_stages_of()))
        .group_by(table.c.stage_id)
    )  # fmt: skip


def _appended(
    name: str,
    stage_id: sa.ColumnElement[Any],
    ids: sa.ColumnElement[Any],
    newest: sa.ColumnElement[Any] | None = None,
) -> sa.Select[Any]:
    """An append-only part: count and max id (and a time), no versions."""
    return sa.select(
        sa.literal_column(f"'{name}'"), stage_id, sa.func.count(ids), sa.null(),
        sa.func.max(ids), sa.func.max(newest) if newest is not None else sa.null(),
    ).group_by(stage_id)  # fmt: skip


def _parts() -> sa.CompoundSelect[Any]:
    """Every part of every stage of the tour, as rows of one UNION ALL (the first select
    gives the columns their types: the times are read as timestamps)."""
    stages = _stages_of()
    return sa.union_all(
        _versioned("checkpoints", CHECKPOINT),
        _versioned("measures", MEASURE),
        _versioned("actual_track", T["actual_track"]),  # the day's `ridden_m`
        _versioned("team", TEAM),
        _versioned("riders", RIDER),
        _people("measure_people", MEASURE, "responsible_person_id"),
        _people("measure_partners", MEASURE, "responsible_partner_id"),
        _people("team_people", TEAM, "person_id"),
        _people("rider_people", RIDER, "person_id"),
        _appended("team_legs", TEAM.c.stage_id, TEAM_LEG.c.id)
        .select_from(TEAM_LEG.join(TEAM, TEAM.c.id == TEAM_LEG.c.team_member_id))
        .where(TEAM.c.stage_id.in_(stages)),
        _appended("rider_legs", RIDER.c.stage_id, RIDER_LEG.c.id)
        .select_from(RIDER_LEG.join(RIDER, RIDER.c.id == RIDER_LEG.c.rider_id))
        .where(RIDER.c.stage_id.in_(stages)),
        _appended("tombstones", TOMBSTONE.c.stage_id, TOMBSTONE.c.id, TOMBSTONE.c.deleted_at)
        .where(TOMBSTONE.c.tour_id == _TOUR_ID, TOMBSTONE.c.stage_id.in_(stages)),
        # What had been received by `now` (a past `now` replays the day as seen then).
        _appended("log", LOG.c.stage_id, LOG.c.id)
        .where(LOG.c.stage_id.in_(stages), LOG.c.received_at <= sa.bindparam("now")),
        # Whether the stage has a log at all: then it has a forecast (`live.forecasts_for`).
        _appended("logged", LOG.c.stage_id, LOG.c.id).where(LOG.c.stage_id.in_(stages)),
    )  # fmt: skip


_STAGES_AND_ROUTES, _PARTS = _stages_and_routes(), _parts()

# Route stats by route version (id, digest and upload time: a database made again from
# scratch reuses ids): set by the upload, never changed (see `CurrentRoute`).
_stats: LruCache[tuple[int, str, dt.datetime], dict[str, Any]] = LruCache(4_000)


def versions(session: Session, tour_id: int, now: dt.datetime) -> dict[int, StageVersions]:
    """Every stage of the tour (in national order) with what its sheet depends on: two
    statements however many stages (and a third for the stats of route versions this
    worker has not read yet)."""
    run = session.connection().execute
    result: dict[int, StageVersions] = {}
    routes: list[tuple[StageVersions, Row]] = []
    for row in run(_STAGES_AND_ROUTES, {"tour_id": tour_id}).all():
        found = result[row.id] = StageVersions(stage=row)
        if row.route_id is not None:
            routes.append((found, row))
    keys = {
        row.route_id: (row.route_id, row.route_sha256, row.route_uploaded_at) for _, row in routes
    }
    stats = {route_id: _stats.get(key) for route_id, key in keys.items()}
    missing = [route_id for route_id, kept in stats.items() if kept is None]
    if missing:
        for route_id, read in run(
            sa.select(ROUTE.c.id, ROUTE.c.stats).where(ROUTE.c.id.in_(missing))
        ).all():
            stats[route_id] = read
            _stats.put(keys[route_id], read)
    for found, row in routes:
        found.route = CurrentRoute(
            stage_id=row.id, id=row.route_id, number=row.route_number, status=row.route_status,
            sha256=row.route_sha256, uploaded_at=row.route_uploaded_at,
            reported_at=row.route_reported_at, finalized_at=row.route_finalized_at,
            stats=stats[row.route_id],
        )  # fmt: skip
    for part, stage_id, *figures in run(_PARTS, {"tour_id": tour_id, "now": now}).all():
        if stage_id in result:  # a stage added since the first statement (PostgreSQL)
            result[stage_id].parts[part] = tuple(figures)
    return result


@dataclass
class Contents:
    """The full rows of some stages, by stage id (the lists are shared: never changed)."""

    stages: dict[int, Row]
    checkpoints: dict[int, list[Record]]
    marks: dict[int, list[Record]]
    measures: dict[int, list[Record]]


# A stage's checkpoints and measures (with the people and partners they name), kept per
# worker under the versions they depend on (`_rows_key`), so that rebuilding a fragment
# whose stage row, tour, day or caller changed but not these (a rename, midnight, a tour
# edit, another stage of the day) reads only its stage row. Never stale, as a fragment is
# not (see `fragments`): the versions are read before the rows, a write changes the versions
# of every row it changes, and versions never come back.
_rows: LruCache[tuple[Any, ...], tuple[list[Record], list[Record]]] = LruCache(2_000)


def _rows_key(stage_id: int, found: StageVersions) -> tuple[Any, ...]:
    parts = found.parts
    return (
        stage_id,
        parts.get("checkpoints"),
        parts.get("measures"),
        parts.get("measure_people"),
        parts.get("measure_partners"),
    )


_CHECKPOINT_COLUMNS = (
    CHECKPOINT.c.id, CHECKPOINT.c.stage_id, CHECKPOINT.c.name, CHECKPOINT.c.kind,
    CHECKPOINT.c.km, CHECKPOINT.c.lat, CHECKPOINT.c.lon, CHECKPOINT.c.dwell_minutes,
)  # fmt: skip
_PERSON, _PARTNER = PERSON.alias("responsible"), PARTNER.alias("partner")
# What a measure shows (`measures.service.shown_fields`) and where it is (`fragments`).
_MEASURE_COLUMNS = (
    *(MEASURE.c[name] for name in (
        "id", "stage_id", "kind", "title", "description", "checkpoint_id", "km", "lat", "lon",
        "starts_at", "ends_at", "responsible_name", "due_date", "notes", "status",
        "review_comment", "submitted_at", "reviewed_at", "version", "updated_at",
    )),
    _PERSON.c.name.label("person_name"), _PERSON.c.phone.label("person_phone"),
    _PERSON.c.email.label("person_email"),
    _PERSON.c.organisation.label("person_organisation"), _PERSON.c.id.label("person_id"),
    _PARTNER.c.id.label("partner_id"), _PARTNER.c.name.label("partner_name"),
    _PARTNER.c.kind.label("partner_kind"),
)  # fmt: skip


def contents(session: Session, found: dict[int, StageVersions], stage_ids: list[int]) -> Contents:
    """The rows of these stages' sheets but their route lines (`lines`: only those whose
    legs or hazards are not kept are read); checkpoints and measures only where not kept
    under the versions in `found`."""
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
    keys = {i: _rows_key(i, found[i]) for i in stage_ids}
    kept = {i: rows for i in stage_ids if (rows := _rows.get(keys[i])) is not None}
    unread = [i for i in stage_ids if i not in kept]
    if unread:
        checkpoints: dict[int, list[Record]] = {i: [] for i in unread}
        for checkpoint in _records(
            run(
                sa.select(*_CHECKPOINT_COLUMNS)
                .where(CHECKPOINT.c.stage_id.in_(unread))
                .order_by(CHECKPOINT.c.id)
            )
        ):
            checkpoints[checkpoint.stage_id].append(checkpoint)
        measures: dict[int, list[Record]] = {i: [] for i in unread}
        for measure in _records(
            run(
                sa.select(*_MEASURE_COLUMNS)
                .outerjoin(_PERSON, _PERSON.c.id == MEASURE.c.responsible_person_id)
                .outerjoin(_PARTNER, _PARTNER.c.id == MEASURE.c.responsible_partner_id)
                .where(MEASURE.c.stage_id.in_(unread))
                .order_by(MEASURE.c.id)
            )
        ):
            measures[measure.stage_id].append(measure)
        for i in unread:
            kept[i] = (checkpoints[i], measures[i])
            _rows.put(keys[i], kept[i])
    marks: dict[int, list[Record]] = defaultdict(list)
    for i, (points, _) in kept.items():
        marks[i] = [c for c in points if c.kind in BOUNDARY_KINDS]
    return Contents(
        stages=stages,
        checkpoints={i: points for i, (points, _) in kept.items()},
        marks=marks,
        measures={i: shown for i, (_, shown) in kept.items()},
    )


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
