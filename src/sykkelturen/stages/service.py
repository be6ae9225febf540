"""Stages: national order, the county's date window, who may change which stage."""

import datetime as dt
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pydantic_core
import sqlalchemy as sa
from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.concurrency import check_if_match, etag_of, etag_of_json
from sykkelturen.db import StaleSnapshot, UTCDateTime, as_utc, utcnow
from sykkelturen.pagination import PageParams, paginate_rows
from sykkelturen.security import Actor
from sykkelturen.stages.models import (
    PASSENGERS_PER_BIKE,
    Stage,
    StageCreate,
    StageDay,
    StageNeeds,
    StagePublic,
    StageUpdate,
    TransferAfter,
)
from sykkelturen.stages.needs import pilots_needed
from sykkelturen.stages.problems import (
    CountyNotInTour,
    StageDateOutsideWindow,
    StageHasPeopleOfCounty,
    StageNotFound,
    StageSequenceTaken,
    TooManyPassengers,
)
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tours.models import Tour, TourCounty

# What a stage's body is written from (`stage_json`): its row and its tour's zone, in one
# statement built once (for a one-row read, building a select of every column costs more
# than running it). Most rows read have their body kept (`stage_body`), so the row is read
# with as little conversion as its key needs, and the rest is done when a body is written:
# the JSON columns come as their text (parsed by pydantic_core, where SQLAlchemy's JSON type
# runs `json.loads` behind two layers of result processors), the timestamps as the driver
# reads them (tagged UTC by `as_utc`, `UTCDateTime`'s own rule). Each cost a page of stages
# more than the rest of its rows.
_STAGE: sa.Table = Stage.__table__  # type: ignore[attr-defined]
_TOUR: sa.Table = Tour.__table__  # type: ignore[attr-defined]
_JSON_COLUMNS = ("speeds_kmh", "needs", "transfer_after")
_TIMESTAMPS = ("starts_at", "created_at", "updated_at", "day_changed_at")


def _as_read(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    if column.name in _JSON_COLUMNS:
        return sa.cast(column, sa.Text).label(column.name)
    if column.name in _TIMESTAMPS:
        return sa.type_coerce(column, UTCDateTime.impl).label(column.name)
    return column


_STAGE_BODY_ROWS: sa.Select[Any] = sa.select(
    *(_as_read(column) for column in _STAGE.columns), _TOUR.c.time_zone
).join(_TOUR, _TOUR.c.id == _STAGE.c.tour_id)
_ONE_STAGE_BODY_ROW = _STAGE_BODY_ROWS.where(_STAGE.c.id == sa.bindparam("stage_id"))


def zone_of(tour: Tour) -> ZoneInfo:
    return ZoneInfo(tour.time_zone)


def _local_start(starts_at: dt.datetime | None, zone: ZoneInfo) -> dict[str, Any]:
    """The planned start as the body shows it: local time of day and instant with offset."""
    local_start = starts_at.astimezone(zone) if starts_at is not None else None
    return {
        "start_time": local_start.time().replace(tzinfo=None) if local_start else None,
        "starts_at": local_start,
    }


def stage_public(stage: Stage, zone: ZoneInfo) -> StagePublic:
    return StagePublic.model_validate(
        stage,
        update={
            **_local_start(stage.starts_at, zone),
            "needs": StageNeeds.model_validate(stage.needs),
            "transfer_after": (
                TransferAfter.model_validate(stage.transfer_after) if stage.transfer_after else None
            ),
            "day": _day(stage),
        },
    )


def _day(stage: Stage) -> StageDay:
    """What the day-of log and the actual track have changed (so the ETag follows them)."""
    return StageDay(
        log_entries=stage.log_entries,
        last_log_entry_id=stage.last_log_entry_id,
        ridden_m=stage.ridden_m,
        changed_at=stage.day_changed_at,
    )


def stage_json(row: sa.Row[Any]) -> dict[str, Any]:
    """A stage's body (`StagePublic`) as plain values, from a row of `_STAGE_BODY_ROWS`: the
    values `stage_public` validates, in the models' field order, so that one
    `pydantic_core.to_json` writes exactly the bytes the models write (the reads serve it
    without building and validating four models a stage; tests/stages/test_stage_json.py
    holds the two paths to the same bytes). Stored JSON is read as the models read it:
    missing keys take their defaults, numbers of a float field are floats."""
    # By name through the row's mapping: a quarter of the cost of its attributes.
    m = row._mapping
    needs = pydantic_core.from_json(m["needs"])
    transfer = pydantic_core.from_json(m["transfer_after"]) if m["transfer_after"] else None
    ridden_m = m["ridden_m"]
    return {
        "sequence": m["sequence"],
        "county": m["county"],
        "name": m["name"],
        "date": m["date"],
        "start_place": m["start_place"],
        "finish_place": m["finish_place"],
        "bikes": m["bikes"],
        "notes": m["notes"],
        "id": m["id"],
        "tour_id": m["tour_id"],
        **_local_start(as_utc(m["starts_at"]), ZoneInfo(m["time_zone"])),  # zones are cached
        "speeds_kmh": [float(speed) for speed in pydantic_core.from_json(m["speeds_kmh"])],
        "needs": {
            "pilots": needs.get("pilots"),
            "cyclists": needs.get("cyclists", 0),
            "passengers": needs.get("passengers", 0),
            "team": needs.get("team", {}),
        },
        "transfer_after": {
            "mode": transfer["mode"],
            "duration_minutes": transfer.get("duration_minutes"),
            "note": transfer.get("note"),
        }
        if transfer
        else None,
        "day": {
            "log_entries": m["log_entries"],
            "last_log_entry_id": m["last_log_entry_id"],
            "ridden_m": float(ridden_m) if ridden_m is not None else None,
            "changed_at": as_utc(m["day_changed_at"]),
        },
        "version": m["version"],
        "created_at": as_utc(m["created_at"]),
        "updated_at": as_utc(m["updated_at"]),
    }


@functools.lru_cache(maxsize=4096)
def stage_body(row: sa.Row[Any]) -> bytes:
    """A stage's body as JSON, from a row of `_STAGE_BODY_ROWS`. It is a function of the row
    alone, which holds everything the body shows (the tour's zone included), so each worker
    keeps the bodies of the last few thousand rows read under the row itself: a page of
    stages that did not change since it was last read costs its query alone, and a stage
    that changed is another row (a kept body can never be stale)."""
    return pydantic_core.to_json(stage_json(row), inf_nan_mode="null")


@dataclass(frozen=True)
class Dependents:
    """What hangs on a stage from the layers above it, which a change must keep whole. The
    caller hands them in, so that stages import none of those layers:

    - `county_ties`: what of the stage names its county's own people, partners and press
      contacts (a move to another county is refused while there is any);
    - `check_seats_for_bikes`: refuses fewer bikes than the passengers on it need."""

    county_ties: Callable[[Session, Stage], list[str]]
    check_seats_for_bikes: Callable[[Session, Stage, int], None]


def _resource(stage: Stage) -> audit.Resource:
    return audit.Resource(
        type="stage", id=str(stage.id), tour_id=stage.tour_id, county=stage.county
    )


def get_stage(session: Session, stage_id: int) -> Stage:
    stage = session.get(Stage, stage_id)
    if stage is None:
        raise StageNotFound(f"There is no stage {stage_id}.")
    return stage


def list_stages(
    connection: sa.Connection,
    *,
    tour_id: int,
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    only: Collection[int] | None,
    page: PageParams,
) -> tuple[list[sa.Row[Any]], str | None]:
    """One page of the tour's stages as plain rows of the stage table: a Core query, so a
    list of many stages builds no ORM objects (each body is written from the row by
    `stage_json`); `only` keeps those ids alone (the ?phase= filter, which progress computes
    from every domain's facts). Each row carries its tour's zone."""
    statement = _STAGE_BODY_ROWS.where(_STAGE.c.tour_id == tour_id)
    if only is not None:
        statement = statement.where(_STAGE.c.id.in_(only))
    if county is not None:
        statement = statement.where(_STAGE.c.county == county)
    if date_from is not None:
        statement = statement.where(_STAGE.c.date >= date_from)
    if date_to is not None:
        statement = statement.where(_STAGE.c.date <= date_to)
    return paginate_rows(
        connection, statement, page=page, order_by=[col(Stage.sequence)], key=lambda s: [s.sequence]
    )


def read_stage_json(connection: sa.Connection, stage_id: int) -> tuple[bytes, str]:
    """`GET /stages/{id}`: the body and its ETag, from one Core query for the stage row and
    its tour's zone."""
    row = connection.execute(_ONE_STAGE_BODY_ROW, {"stage_id": stage_id}).first()
    if row is None:
        raise StageNotFound(f"There is no stage {stage_id}.")
    body = stage_body(row)
    return body, _etag_of_body(body)


# The tag of a kept body, kept beside it (a body is the same bytes object while its row
# is unchanged, so finding it costs no hashing of its content).
_etag_of_body = functools.lru_cache(maxsize=4096)(etag_of_json)


def _starts_at(day: dt.date, start_time: dt.time | None, zone: ZoneInfo) -> dt.datetime | None:
    if start_time is None:
        return None
    return dt.datetime.combine(day, start_time, tzinfo=zone).astimezone(dt.UTC)


def _check_rules(session: Session, *, tour: Tour, stage: Stage) -> None:
    """Rules every saved stage keeps: its county takes part, its date is in the county's
    window, its sequence is unique in the tour, and every passenger has a seat.

    Runs without autoflush: a pending change must not be written (and its version bumped)
    before it has passed the rules."""
    with session.no_autoflush:
        _check_rules_unflushed(session, tour=tour, stage=stage)


def _check_rules_unflushed(session: Session, *, tour: Tour, stage: Stage) -> None:
    tour_county = session.exec(
        select(TourCounty).where(TourCounty.tour_id == tour.id, TourCounty.county == stage.county)
    ).first()
    if tour_county is None:
        raise CountyNotInTour(
            f"County {stage.county} is not part of tour {tour.id}; national adds it first."
        )
    if not tour_county.start_date <= stage.date <= tour_county.end_date:
        raise StageDateOutsideWindow(
            f"{stage.date} is outside county {stage.county}'s window "
            f"{tour_county.start_date}–{tour_county.end_date}."
        )
    taken = session.exec(
        select(Stage).where(Stage.tour_id == tour.id, Stage.sequence == stage.sequence)
    ).first()
    if taken is not None and taken.id != stage.id:
        raise StageSequenceTaken(
            f"Stage {taken.id} ({taken.name}) already has sequence {stage.sequence} in this tour."
        )
    needs = StageNeeds.model_validate(stage.needs)
    if needs.passengers > stage.bikes * PASSENGERS_PER_BIKE:
        raise TooManyPassengers(
            f"{needs.passengers} passengers need more than {stage.bikes} bikes with "
            f"{PASSENGERS_PER_BIKE} seats each."
        )


def _needs_json(needs: StageNeeds, bikes: int) -> dict[str, Any]:
    return needs.model_copy(update={"pilots": pilots_needed(needs, bikes)}).model_dump(mode="json")


def create_stage(session: Session, *, actor: Actor, tour: Tour, data: StageCreate) -> Stage:
    actor.require_county_write(data.county)
    assert tour.id is not None
    stage = Stage(
        tour_id=tour.id,
        sequence=data.sequence,
        county=data.county,
        name=data.name,
        date=data.date,
        starts_at=_starts_at(data.date, data.start_time, zone_of(tour)),
        start_place=data.start_place,
        finish_place=data.finish_place,
        speeds_kmh=data.speeds_kmh or list(tour.speeds_kmh),
        bikes=data.bikes,
        needs=_needs_json(data.needs, data.bikes),
        transfer_after=data.transfer_after.model_dump(mode="json") if data.transfer_after else None,
        notes=data.notes,
    )
    _check_rules(session, tour=tour, stage=stage)
    session.add(stage)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(stage),
        after=stage_public(stage, zone_of(tour)),
    )
    return stage


# Fields a PATCH may clear by sending null; the others keep their value when null is sent.
_NULLABLE = {"start_time", "start_place", "finish_place", "transfer_after", "notes"}


@dataclass(frozen=True)
class StageUpdatePlan:
    """A PATCH checked against the stage as read, before any write lock: what it changes,
    and the stage's body before it (the audit's `before`) with what that was read from."""

    stage_id: int
    read_from: tuple[Any, ...]  # `_revision` of the stage and tour the plan was made from
    before: StagePublic
    changes: dict[str, Any]
    start_time: dt.time | None


def _revision(stage: Stage, tour: Tour) -> tuple[Any, ...]:
    """Everything the stage's body is made of changes one of these: its row version, the
    day columns the day-of log sets without one, and the tour (its time zone)."""
    return (
        stage.version,
        stage.log_entries,
        stage.last_log_entry_id,
        stage.ridden_m,
        stage.day_changed_at,
        tour.version,
    )


def prepare_update(
    session: Session,
    *,
    actor: Actor,
    tour: Tour,
    stage: Stage,
    data: StageUpdate,
    if_match: str,
    dependents: Dependents,
) -> StageUpdatePlan:
    """Everything of a PATCH that needs no lock: `If-Match`, the changes, a move's ties.
    Changes nothing; `store_update` re-checks the rules that read other rows."""
    actor.require_county_write(stage.county)
    before = stage_public(stage, zone_of(tour))
    check_if_match(if_match, etag_of(before))
    changes = {
        name: value
        for name, value in data.model_dump(exclude_unset=True).items()
        if value is not None or name in _NULLABLE
    }
    if "county" in changes and changes["county"] != stage.county:
        actor.require_county_write(changes["county"])
        _refuse_move_with_ties(session, stage, changes["county"], dependents)
    start_time = changes.pop("start_time", before.start_time)
    if "needs" in changes:
        changes["needs"] = _needs_json(
            StageNeeds.model_validate(changes["needs"]), changes.get("bikes", stage.bikes)
        )
    assert stage.id is not None
    return StageUpdatePlan(
        stage_id=stage.id,
        read_from=_revision(stage, tour),
        before=before,
        changes=changes,
        start_time=start_time,
    )


def _refuse_move_with_ties(
    session: Session, stage: Stage, county: str, dependents: Dependents
) -> None:
    ties = dependents.county_ties(session, stage)
    if ties:
        raise StageHasPeopleOfCounty(
            f"Stage {stage.id} still names people of county {stage.county}, whom county "
            f"{county} may neither see nor edit: {'; '.join(ties)}. Remove or "
            "replace them, then move the stage."
        )


def store_update(
    session: Session,
    *,
    actor: Actor,
    tour: Tour,
    stage: Stage,
    plan: StageUpdatePlan,
    dependents: Dependents,
) -> StagePublic:
    """The write of a prepared PATCH, in the transaction that stores it: `StaleSnapshot`
    when the stage or tour changed since the plan was made (it is made again), else the
    rules that read other rows checked again, the row stored and audited. Returns the
    stage's new body."""
    if _revision(stage, tour) != plan.read_from:
        raise StaleSnapshot(f"Stage {stage.id} changed since the update was prepared.")
    changes = plan.changes
    if "county" in changes and changes["county"] != stage.county:
        # What names the stage's county can have been added meanwhile.
        _refuse_move_with_ties(session, stage, changes["county"], dependents)
    zone = zone_of(tour)
    stage.sqlmodel_update(changes)
    stage.starts_at = _starts_at(stage.date, plan.start_time, zone)
    _check_rules(session, tour=tour, stage=stage)
    if stage.bikes < plan.before.bikes:
        with session.no_autoflush:
            dependents.check_seats_for_bikes(session, stage, stage.bikes)
    stage.updated_at = utcnow()
    session.add(stage)
    session.flush()
    after = stage_public(stage, zone)
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(stage),
        before=plan.before,
        after=after,
    )
    return after


def update_stage(
    session: Session,
    *,
    actor: Actor,
    tour: Tour,
    stage: Stage,
    data: StageUpdate,
    if_match: str,
    dependents: Dependents,
) -> Stage:
    """A PATCH prepared and stored in one transaction."""
    plan = prepare_update(
        session,
        actor=actor,
        tour=tour,
        stage=stage,
        data=data,
        if_match=if_match,
        dependents=dependents,
    )
    store_update(session, actor=actor, tour=tour, stage=stage, plan=plan, dependents=dependents)
    return stage


def delete_stage(
    session: Session, *, actor: Actor, tour: Tour, stage: Stage, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    before = stage_public(stage, zone_of(tour))
    check_if_match(if_match, etag_of(before))
    tombstones.bury_stage(session, stage)
    session.delete(stage)
    session.flush()
    audit.record(session, actor=actor, action="delete", resource=_resource(stage), before=before)
