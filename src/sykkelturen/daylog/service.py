"""Writing and reading the day-of log: who may write, placing entries on the route,
idempotent retries, corrections that supersede."""

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from sykkelturen.audit import service as audit
from sykkelturen.checkpoints.models import Checkpoint, CheckpointKind
from sykkelturen.checkpoints.service import get_checkpoint
from sykkelturen.daylog.models import (
    EntryKind,
    LogEntryCreate,
    LogEntryPublic,
    Severity,
    StageLogEntry,
)
from sykkelturen.daylog.problems import (
    EntryAlreadySuperseded,
    EntryTimeImplausible,
    IdempotencyKeyReused,
    NoRouteForPlace,
    NotThisStageDay,
    PlaceOffRoute,
)
from sykkelturen.problems import Forbidden, NotFound, referenced
from sykkelturen.routes.versions import current_version, load_line
from sykkelturen.security import STAGE_DAY, Actor
from sykkelturen.stages.models import Stage
from sykkelturen.tours.models import Tour

# An entry received this long after it happened is flagged `late`.
LATE_AFTER = dt.timedelta(minutes=5)
# A phone's clock may run this far ahead of the service's; more is refused.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Entries happen on the stage's local date, or in the small hours after it.
DAY_SPILL = dt.timedelta(hours=6)
# A lat/lon farther than this from the route is not a place on it.
OFF_ROUTE_M = 500.0
# The channel a write announces its tour on (PostgreSQL NOTIFY); the stream listens.
CHANNEL = "sykkelturen_live"


class EntryNotFound(NotFound):
    title, code = "Log entry not found", "log_entry_not_found"


def require_log_writer(actor: Actor, *, stage: Stage, tour: Tour, now: dt.datetime) -> None:
    """County contacts of the stage's county and national always; a stage-day token only
    for its own stage, on the stage's date in the tour's zone."""
    if actor.role == STAGE_DAY:
        if actor.stage_id != stage.id:
            raise Forbidden(f"This stage-day token writes only the log of stage {actor.stage_id}.")
        today = now.astimezone(ZoneInfo(tour.time_zone)).date()
        if today != stage.date:
            raise NotThisStageDay(
                f"This stage-day token works on {stage.date} (the stage's date); "
                f"today is {today} in {tour.time_zone}."
            )
        return
    actor.require_county_write(stage.county)


def may_see_details(actor: Actor, stage: Stage) -> bool:
    """Incident text and who wrote an entry: those who may see the county's personal
    data, and the stage's own stage-day token."""
    return actor.may_see_personal_data(stage.county) or (
        actor.role == STAGE_DAY and actor.stage_id == stage.id
    )


def entries(session: Session, stage: Stage) -> list[StageLogEntry]:
    """Every entry of the stage, in the order received."""
    return list(
        session.exec(
            select(StageLogEntry)
            .where(StageLogEntry.stage_id == stage.id)
            .order_by(col(StageLogEntry.id))
        ).all()
    )


def public_entries(
    rows: list[StageLogEntry], *, zone: ZoneInfo, details: bool
) -> list[LogEntryPublic]:
    """The entries in the order they happened, with what only the whole log can tell:
    which were superseded, which arrived late or out of order."""
    superseded_by: dict[int | None, int | None] = {
        r.supersedes_id: r.id for r in rows if r.supersedes_id is not None
    }
    out_of_order: set[int | None] = set()
    latest: dt.datetime | None = None
    for row in sorted(rows, key=lambda r: r.id or 0):
        if latest is not None and row.occurred_at < latest:
            out_of_order.add(row.id)
        latest = row.occurred_at if latest is None else max(latest, row.occurred_at)
    items = [
        _public(
            row,
            zone=zone,
            details=details,
            superseded_by=superseded_by.get(row.id),
            out_of_order=row.id in out_of_order,
        )
        for row in rows
    ]
    return sorted(items, key=lambda e: (e.occurred_at, e.id))


def _public(
    row: StageLogEntry,
    *,
    zone: ZoneInfo,
    details: bool,
    superseded_by: int | None,
    out_of_order: bool,
) -> LogEntryPublic:
    assert row.id is not None
    hidden = not details and row.kind == EntryKind.incident
    return LogEntryPublic(
        id=row.id,
        stage_id=row.stage_id,
        kind=EntryKind(row.kind),
        occurred_at=row.occurred_at.astimezone(zone),
        received_at=row.received_at.astimezone(zone),
        late=row.received_at - row.occurred_at > LATE_AFTER,
        out_of_order=out_of_order,
        checkpoint_id=row.checkpoint_id,
        km=round(row.km, 3) if row.km is not None else None,
        lat=row.lat,
        lon=row.lon,
        offset_m=round(row.offset_m, 1) if row.offset_m is not None else None,
        severity=Severity(row.severity) if row.severity else None,
        text=None if hidden else row.text,
        supersedes=row.supersedes_id,
        superseded_by=superseded_by,
        incident_id=row.incident_id,
        author=row.author_name if details else None,
    )


def log_marker(session: Session, stage_id: int | None) -> str:
    """What of the log its ETag names: its newest entry (entries are only ever added, and
    ids never reused)."""
    newest = session.exec(
        select(func.max(StageLogEntry.id)).where(StageLogEntry.stage_id == stage_id)
    ).one()
    return f"log{newest}" if newest is not None else ""


def log_etag(session: Session, stage_id: int | None, details: bool) -> str:
    """The log's ETag: its newest entry, and which view of it (with details or public)."""
    marker = log_marker(session, stage_id)
    return f'"{stage_id}-{marker or "log0"}-{"full" if details else "public"}"'


def body_hash(data: LogEntryCreate) -> str:
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


def _check_time(data: LogEntryCreate, *, stage: Stage, tour: Tour, now: dt.datetime) -> None:
    if data.occurred_at > now + CLOCK_SKEW:
        raise EntryTimeImplausible(
            f"occurred_at {data.occurred_at.isoformat()} is in the future; check the phone's clock."
        )
    zone = ZoneInfo(tour.time_zone)
    day_start = dt.datetime.combine(stage.date, dt.time(), tzinfo=zone)
    day_end = day_start + dt.timedelta(days=1) + DAY_SPILL
    if not day_start <= data.occurred_at < day_end:
        raise EntryTimeImplausible(
            f"occurred_at {data.occurred_at.isoformat()} is not on the stage's day "
            f"({stage.date}); check the phone's clock."
        )


def _place(session: Session, entry: StageLogEntry, data: LogEntryCreate, stage: Stage) -> None:
    """A checkpoint gives its km and position; a lat/lon is snapped to the current route;
    `start` without a place is at km 0 and `arrive` at the route's end."""
    version = current_version(session, stage)
    if data.checkpoint_id is not None:
        with referenced("checkpoint_id"):
            checkpoint: Checkpoint = get_checkpoint(session, stage, data.checkpoint_id)
        entry.checkpoint_id = checkpoint.id
        entry.km, entry.lat, entry.lon = checkpoint.km, checkpoint.lat, checkpoint.lon
        return
    if data.lat is not None and data.lon is not None:
        if version is None:
            raise NoRouteForPlace(
                f"Stage {stage.id} has no route to place {data.lat}, {data.lon} on; "
                "give a checkpoint_id."
            )
        snap = load_line(version).snapper().snap(data.lat, data.lon)
        if snap.offset_m > OFF_ROUTE_M:
            raise PlaceOffRoute(
                f"{data.lat:.5f}, {data.lon:.5f} is {snap.offset_m:,.0f} m from the route "
                f"(at most {OFF_ROUTE_M:.0f} m)."
            )
        entry.lat, entry.lon, entry.km, entry.offset_m = data.lat, data.lon, snap.km, snap.offset_m
        return
    if data.kind in (EntryKind.start, EntryKind.arrive) and version is not None:
        kind = CheckpointKind.start if data.kind == EntryKind.start else CheckpointKind.finish
        at = session.exec(
            select(Checkpoint).where(Checkpoint.stage_id == stage.id, Checkpoint.kind == kind)
        ).first()
        if at is not None and at.km is not None:
            entry.checkpoint_id, entry.km, entry.lat, entry.lon = at.id, at.km, at.lat, at.lon
        else:
            entry.km = 0.0 if data.kind == EntryKind.start else version.stats["distance_m"] / 1000


def _entry_of_stage(session: Session, stage: Stage, entry_id: int, field: str) -> StageLogEntry:
    entry = session.get(StageLogEntry, entry_id)
    if entry is None or entry.stage_id != stage.id:
        with referenced(field):
            raise EntryNotFound(f"Stage {stage.id}'s log has no entry {entry_id}.")
    assert entry is not None
    return entry


def _check_references(session: Session, data: LogEntryCreate, stage: Stage) -> None:
    if data.supersedes is not None:
        _entry_of_stage(session, stage, data.supersedes, "supersedes")
        later = session.exec(
            select(StageLogEntry.id).where(StageLogEntry.supersedes_id == data.supersedes)
        ).first()
        if later is not None:
            raise EntryAlreadySuperseded(
                f"Entry {data.supersedes} was already replaced by entry {later}; "
                f"correct that one instead."
            )
    if data.incident_id is not None:
        incident = _entry_of_stage(session, stage, data.incident_id, "incident_id")
        if incident.kind != EntryKind.incident:
            with referenced("incident_id"):
                raise EntryNotFound(
                    f"Entry {data.incident_id} is a {incident.kind}, not an incident."
                )


def add_entry(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    tour: Tour,
    data: LogEntryCreate,
    idempotency_key: str,
    now: dt.datetime,
) -> tuple[StageLogEntry, bool]:
    """The entry, and whether it is new: a retry with the same key and body gets the entry
    it made the first time; the same key with another body is a conflict."""
    require_log_writer(actor, stage=stage, tour=tour, now=now)
    # One writer per stage's log at a time (PostgreSQL; SQLite writers queue anyway): a
    # retry sent while its first attempt is still being written waits, then finds it.
    session.exec(select(Stage.id).where(col(Stage.id) == stage.id).with_for_update()).one()
    digest = body_hash(data)
    earlier = session.exec(
        select(StageLogEntry).where(
            StageLogEntry.stage_id == stage.id, StageLogEntry.idempotency_key == idempotency_key
        )
    ).first()
    if earlier is not None:
        if earlier.body_hash != digest:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {idempotency_key!r} was used for another entry "
                f"({earlier.id}) with a different body; use a new key for a new entry."
            )
        return earlier, False
    _check_time(data, stage=stage, tour=tour, now=now)
    _check_references(session, data, stage)
    assert stage.id is not None
    entry = StageLogEntry(
        stage_id=stage.id,
        kind=data.kind,
        occurred_at=data.occurred_at,
        received_at=now,
        severity=data.severity,
        text=data.text,
        supersedes_id=data.supersedes,
        incident_id=data.incident_id,
        idempotency_key=idempotency_key,
        body_hash=digest,
        author_role=actor.role,
        author_name=actor.name,
        token_id=actor.token_id,
    )
    _place(session, entry, data, stage)
    session.add(entry)
    session.flush()
    # The stage's own body shows its log in short, so its ETag follows every entry.
    session.execute(
        sa.update(Stage)
        .where(col(Stage.id) == stage.id)
        .values(
            log_entries=col(Stage.log_entries) + 1, last_log_entry_id=entry.id, day_changed_at=now
        )
    )
    session.expire(stage, ["log_entries", "last_log_entry_id", "day_changed_at"])
    zone = ZoneInfo(tour.time_zone)
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=audit.Resource(
            type="stage_log_entry", id=str(entry.id), tour_id=stage.tour_id, county=stage.county
        ),
        after=_public(entry, zone=zone, details=True, superseded_by=None, out_of_order=False),
    )
    announce(session, stage.tour_id)
    return entry, True


def announce(session: Session, tour_id: int) -> None:
    """Wake the live streams of the tour when this transaction commits (PostgreSQL
    delivers NOTIFY at commit, and never for a rolled-back one). SQLite streams poll."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_notify(:channel, :tour)"), {"channel": CHANNEL, "tour": str(tour_id)}
        )
