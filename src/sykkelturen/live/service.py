"""The live view built from the database: today's stages, their plans and logs, fed to
the pure forecast (`expected.py`) and shaped for the caller."""

import datetime as dt
import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from sykkelturen.audit import service as audit
from sykkelturen.audit.models import AuditEntry
from sykkelturen.caching import LruCache
from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.clock import today_in
from sykkelturen.daylog import service as daylog
from sykkelturen.daylog.models import (
    EntryKind,
    LogEntryCreate,
    LogEntryPublic,
    Severity,
    StageLogEntry,
)
from sykkelturen.live.expected import (
    HANDOVER_LATE_MINUTES,
    DayForecasts,
    Event,
    Place,
    PlaceForecast,
    Plan,
    StageDay,
    StageForecast,
    Window,
    day_forecasts,
)
from sykkelturen.live.models import (
    DayFlag,
    LiveIncident,
    LiveMeasure,
    LivePlace,
    LivePosition,
    LiveStage,
    TourLive,
)
from sykkelturen.measures import service as measures
from sykkelturen.measures.models import Measure
from sykkelturen.routes.versions import Line, current_version, load_line
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.tours.models import Tour

# The audit's resource type of a derived change (a handover flagged late …).
DAY_FLAG = "stage_day_flag"

TIMING_KINDS = frozenset(
    {
        EntryKind.start,
        EntryKind.passed,
        EntryKind.handover,
        EntryKind.pause,
        EntryKind.resume,
        EntryKind.arrive,
        EntryKind.cancel,
    }
)


def effective(rows: list[StageLogEntry]) -> list[StageLogEntry]:
    """The log as it stands: superseded entries and retractions left out."""
    replaced = {r.supersedes_id for r in rows if r.supersedes_id is not None}
    return [r for r in rows if r.id not in replaced and r.kind != EntryKind.retract]


def events(rows: list[StageLogEntry]) -> list[Event]:
    return [
        Event(id=r.id or 0, kind=r.kind, at=r.occurred_at, km=r.km, checkpoint_id=r.checkpoint_id)
        for r in effective(rows)
        if r.kind in TIMING_KINDS
    ]


@dataclass(frozen=True)
class StagePlan:
    """What the forecast and the live view need of a stage's plan: kept per worker until
    the next write that is not a log entry (`plan_marker`), so a check-in rereads only logs."""

    plan: Plan | None
    windows: tuple[Window, ...]
    measures: dict[int, tuple[str, str]]  # id: (title, kind), of those with a window
    line: Line | None


# Audit rows of the day itself: they change logs and flags, never a plan.
DAY_RESOURCES = ("stage_log_entry", DAY_FLAG)
_plans: LruCache[tuple[int | None, object], StagePlan] = LruCache(4096)


def plan_marker(session: Session) -> object:
    """The newest write that may change a plan (every write adds an audit row): its id and
    time, so a database made again from scratch never matches a marker kept from before."""
    marker: object = session.exec(
        select(AuditEntry.id, AuditEntry.at)
        .where(col(AuditEntry.resource_type).not_in(DAY_RESOURCES))
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    ).first()
    return tuple(marker) if marker is not None else None  # type: ignore[arg-type]


def stage_plan(session: Session, stage: Stage, marker: object) -> StagePlan:
    return _plans.get_or_make((stage.id, marker), lambda: _read_plan(session, stage))


def _read_plan(session: Session, stage: Stage) -> StagePlan:
    version = current_version(session, stage)
    if version is None or stage.starts_at is None:
        return StagePlan(None, (), {}, None)
    distance_km = version.stats["distance_m"] / 1000
    points = [c for c in checkpoints.ordered(session, stage) if c.km is not None]
    finish = next((c for c in points if c.kind == "finish"), None)
    places = [
        Place(c.id, c.name, c.kind, c.km, c.dwell_minutes)
        for c in points
        if c.kind != "finish" and c.km is not None and c.km < distance_km
    ]
    if finish is not None and finish.km is not None:
        places.append(Place(finish.id, finish.name, "finish", finish.km, finish.dwell_minutes))
    else:
        places.append(Place(None, stage.finish_place or "Finish", "finish", distance_km))
    plan = Plan(
        starts_at=stage.starts_at,
        speeds_kmh=tuple(stage.speeds_kmh),
        distance_km=distance_km,
        places=tuple(places),
    )
    rows = measures.list_measures(session, stage)
    windows = windows_of(rows)
    shown = {w.id for w in windows}
    return StagePlan(
        plan=plan,
        windows=windows,
        measures={m.id: (m.title, m.kind) for m in rows if m.id in shown},
        line=load_line(version),
    )


def windows_of(rows: list[Measure]) -> tuple[Window, ...]:
    return tuple(
        Window(m.id or 0, m.km, m.starts_at, m.ends_at)
        for m in rows
        if m.km is not None and (m.starts_at is not None or m.ends_at is not None)
    )


def today_of(tour: Tour, now: dt.datetime) -> dt.date:
    return today_in(tour.time_zone, now)


def newest_entry_id(session: Session, tour: Tour) -> int | None:
    newest: int | None = session.exec(
        select(func.max(StageLogEntry.id))
        .join(Stage, col(Stage.id) == col(StageLogEntry.stage_id))
        .where(Stage.tour_id == tour.id)
    ).one()
    return newest


def _place(p: PlaceForecast, zone: ZoneInfo) -> LivePlace:
    return LivePlace(
        checkpoint_id=p.place.id,
        name=p.place.name,
        kind=p.place.kind,
        km=round(p.place.km, 3),
        planned=p.planned.astimezone(zone),
        expected=p.expected.astimezone(zone) if p.expected else None,
        actual=p.actual.astimezone(zone) if p.actual else None,
        passed=p.passed,
        delay_minutes=round(p.delay_minutes, 1) if p.delay_minutes is not None else None,
        late=p.late,
    )


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return moment.astimezone(zone) if moment is not None else None


@dataclass(frozen=True)
class Day:
    """One date of a tour: its stages in national order, their logs (as received by `now`),
    plans, and forecasts; `revisions` changes for a stage whenever its forecast is made
    again, so a live view rebuilds only those stages."""

    stages: list[Stage]
    logs: dict[int | None, list[StageLogEntry]]
    plans: dict[int | None, StagePlan]
    made: DayForecasts
    revisions: dict[int, int]
    marker: object
    now: dt.datetime

    @property
    def forecasts(self) -> dict[int, StageForecast]:
        return self.made.forecasts


_revision = itertools.count(1)


def _logs(
    session: Session, stage_ids: list[int | None], now: dt.datetime, known: set[int]
) -> list[StageLogEntry]:
    """The entries of these stages received by `now` and not already `known`: the ids
    first (one small query), then only the rows not held yet. (PostgreSQL may commit a
    lower id after a higher one, so "newer than the newest held" would miss it.)"""
    ids = session.exec(
        select(StageLogEntry.id).where(
            col(StageLogEntry.stage_id).in_(stage_ids), col(StageLogEntry.received_at) <= now
        )
    ).all()
    wanted = [i for i in ids if i not in known]
    if not wanted:
        return []
    return list(session.exec(select(StageLogEntry).where(col(StageLogEntry.id).in_(wanted))).all())


def day_of(
    session: Session, tour: Tour, date: dt.date, now: dt.datetime, *, earlier: Day | None = None
) -> Day:
    """The day at `now`. With `earlier` (the same day a moment before, same plans), only
    new log entries are read and only the stages they touch (and those whose start they
    move) are forecast again."""
    marker = plan_marker(session)
    stages = list(
        session.exec(
            select(Stage)
            .where(Stage.tour_id == tour.id, Stage.date == date)
            .order_by(col(Stage.sequence))
        ).all()
    )
    if (
        earlier is not None
        and earlier.marker == marker
        and [s.id for s in earlier.stages] == [s.id for s in stages]
        and earlier.now <= now
    ):
        logs = {i: list(rows) for i, rows in earlier.logs.items()}
        known = {r.id for rows in logs.values() for r in rows if r.id is not None}
        plans = earlier.plans
    else:
        earlier = None
        logs = {s.id: [] for s in stages}
        known = set()
        plans = {s.id: stage_plan(session, s, marker) for s in stages}
    # What had been received by `now`: a past `now` replays the day as it was seen then.
    fresh = _logs(session, [s.id for s in stages], now, known)
    for row in fresh:
        logs[row.stage_id].append(row)
    for rows in logs.values():
        rows.sort(key=lambda r: r.id or 0)
    days = [
        StageDay(
            stage_id=s.id or 0,
            date=s.date,
            plan=plans[s.id].plan,
            events=events(logs[s.id]),
            windows=plans[s.id].windows,
            transfer_minutes=(s.transfer_after or {}).get("duration_minutes"),
        )
        for s in stages
    ]
    made = day_forecasts(
        days,
        now,
        earlier=earlier.made if earlier is not None else None,
        touched=frozenset(r.stage_id for r in fresh),
    )
    revisions = dict(earlier.revisions) if earlier is not None else {}
    for stage_id in made.recomputed:
        revisions[stage_id] = next(_revision)
    return Day(
        stages=stages,
        logs=logs,
        plans=plans,
        made=made,
        revisions=revisions,
        marker=marker,
        now=now,
    )


def forecasts_for(
    session: Session, tour: Tour, stages: list[Stage], now: dt.datetime
) -> dict[int, StageForecast]:
    """Forecasts of those of `stages` that ride today or have a log (the run sheets show
    expected and actual beside planned); other stages have only their plan."""
    today = today_of(tour, now)
    logged = set(
        session.exec(
            select(StageLogEntry.stage_id).where(
                col(StageLogEntry.stage_id).in_([s.id for s in stages])
            )
        ).all()
    )
    dates = {s.date for s in stages if s.date == today or s.id in logged}
    result: dict[int, StageForecast] = {}
    for date in sorted(dates):
        result.update(day_of(session, tour, date, now).forecasts)
    return result


def forecast_moves(tour: Tour, now: dt.datetime) -> SelectOfScalar[int | None]:
    """The stages of the tour whose forecast at `now` may show something else at another
    instant: those that have one (`_with_forecast`) unless it is settled. A forecast is
    settled when the log as received by `now` (superseded entries and retractions left out,
    as `effective` does) cancels the stage, or starts and finishes it (`arrive`), and no
    entry of the stage was received or happened after `now`: then `expected.forecast`
    reads the clock nowhere (every place passed, no lag, nothing ahead to pause for), and
    the same entries stay at every later instant until a new entry, which is a write. A
    stage riding today that has not finished, or a past one never finished, moves."""
    return _forecast_moves().params(
        moves_tour=tour.id, moves_today=today_of(tour, now), moves_now=now
    )


def _with_forecast() -> SelectOfScalar[int | None]:
    """The stages of the tour (`:moves_tour`) that have a forecast, as `forecasts_for`
    decides: those that ride today (`:moves_today`) and those with a log."""
    logged = sa.exists().where(col(StageLogEntry.stage_id) == col(Stage.id))
    return select(col(Stage.id)).where(
        Stage.tour_id == sa.bindparam("moves_tour"),
        sa.or_(col(Stage.date) == sa.bindparam("moves_today"), logged),
    )


@functools.cache
def _forecast_moves() -> SelectOfScalar[int | None]:
    """`forecast_moves` with the tour, today and the instant as parameters, built once:
    building the expression (five EXISTS over two aliases) cost ten times what binding
    and running it does (about 2 ms against 0.2), on every conditional request of a run
    sheet, whose ETag asks it (`runsheet.service.fingerprint`)."""
    now: sa.BindParameter[dt.datetime] = sa.bindparam("moves_now")
    entry, newer = aliased(StageLogEntry), aliased(StageLogEntry)

    def effective(kind: EntryKind) -> sa.Exists:
        superseded = sa.exists().where(
            col(newer.supersedes_id) == col(entry.id), col(newer.received_at) <= now
        )
        return sa.exists().where(
            col(entry.stage_id) == col(Stage.id),
            col(entry.kind) == kind,
            col(entry.received_at) <= now,
            ~superseded,
        )

    ahead = sa.exists().where(
        col(StageLogEntry.stage_id) == col(Stage.id),
        sa.or_(col(StageLogEntry.received_at) > now, col(StageLogEntry.occurred_at) > now),
    )
    finished = sa.or_(
        effective(EntryKind.cancel),
        sa.and_(effective(EntryKind.start), effective(EntryKind.arrive)),
    )
    return _with_forecast().where(~sa.and_(finished, ~ahead))


def any_forecast_moves(
    connection: sa.Connection,
    *,
    tour_id: int,
    time_zone: str,
    now: dt.datetime,
    stage_id: int | None = None,
    county: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> bool:
    """Whether any stage of the tour whose forecast moves at `now` (`forecast_moves`) is
    among those shown: the one stage, or those of the county and dates given. One EXISTS,
    its values passed at execution to a statement built once (`_moves_among`)."""
    narrowed = {
        "moves_stage": stage_id,
        "moves_county": county,
        "moves_from": date_from,
        "moves_to": date_to,
    }
    given = {name: value for name, value in narrowed.items() if value is not None}
    statement = _moves_among(frozenset(given))
    parameters = {
        "moves_tour": tour_id,
        "moves_today": today_in(time_zone, now),
        "moves_now": now,
        **given,
    }
    return bool(connection.execute(statement, parameters).scalar())


@functools.cache
def _moves_among(narrowed_by: frozenset[str]) -> sa.Select[tuple[bool]]:
    """`SELECT EXISTS (forecast_moves …)` narrowed by the parameters named, one statement
    per combination (at most sixteen), built once. A statement narrowed by `.where()` and
    given its values by `.params()` on each request is a new object each time, and
    SQLAlchemy works out its cache key anew: that cost more than running it (0.39 ms
    against 0.13 on every conditional request of a run sheet)."""
    query = _forecast_moves()
    if "moves_stage" in narrowed_by:
        query = query.where(col(Stage.id) == sa.bindparam("moves_stage"))
    if "moves_county" in narrowed_by:
        query = query.where(col(Stage.county) == sa.bindparam("moves_county"))
    if "moves_from" in narrowed_by:
        query = query.where(col(Stage.date) >= sa.bindparam("moves_from"))
    if "moves_to" in narrowed_by:
        query = query.where(col(Stage.date) <= sa.bindparam("moves_to"))
    return sa.select(query.exists())


def tour_live(
    session: Session,
    *,
    actor: Actor,
    tour: Tour,
    now: dt.datetime,
    day: Day | None = None,
    reuse: Mapping[int, LiveStage] | None = None,
) -> TourLive:
    """Today's stages as they stand at `now`; `reuse` holds stages already built for this
    caller from the same revision of their forecast (the live stream's incremental view)."""
    zone = ZoneInfo(tour.time_zone)
    today = today_of(tour, now)
    day = day or day_of(session, tour, today, now)
    kept = reuse or {}
    items = [
        kept.get(stage.id or 0)
        or _stage_live(
            actor,
            stage,
            day.forecasts[stage.id],
            day.plans[stage.id],
            day.logs[stage.id],
            zone,
        )
        for stage in day.stages
        if stage.id in day.forecasts
    ]
    assert tour.id is not None
    return TourLive(
        tour_id=tour.id,
        name=tour.name,
        time_zone=tour.time_zone,
        now=now.astimezone(zone),
        date=today,
        handover_late_minutes=HANDOVER_LATE_MINUTES,
        last_entry_id=newest_entry_id(session, tour),
        stages=items,
    )


def _stage_live(
    actor: Actor,
    stage: Stage,
    made: StageForecast,
    planned: StagePlan,
    rows: list[StageLogEntry],
    zone: ZoneInfo,
) -> LiveStage:
    details = daylog.may_see_details(actor, stage)
    public = {e.id: e for e in daylog.public_entries(rows, zone=zone, details=details)}
    current = effective(rows)
    resolved = {r.incident_id for r in current if r.kind == EntryKind.resolve}
    incidents = [
        LiveIncident(
            entry_id=r.id or 0,
            occurred_at=r.occurred_at.astimezone(zone),
            severity=Severity(r.severity or Severity.minor),
            km=round(r.km, 3) if r.km is not None else None,
            text=r.text if details else None,
        )
        for r in current
        if r.kind == EntryKind.incident and r.id not in resolved
    ]
    windows = [
        LiveMeasure(
            measure_id=w.window.id,
            title=planned.measures[w.window.id][0],
            kind=planned.measures[w.window.id][1],
            km=round(w.window.km, 3),
            starts_at=_local(w.window.starts_at, zone),
            ends_at=_local(w.window.ends_at, zone),
            passage=_local(w.passage, zone),
            passed=w.passed,
            at_risk=w.at_risk,
        )
        for w in made.windows
    ]
    last: LogEntryPublic | None = None
    if current:
        newest = max(current, key=lambda r: (r.occurred_at, r.id or 0))
        last = public.get(newest.id or 0)
    places = [_place(p, zone) for p in made.places]
    handover = made.next_handover
    assert stage.id is not None
    assert stage.starts_at is not None
    return LiveStage(
        stage_id=stage.id,
        sequence=stage.sequence,
        county=stage.county,
        name=stage.name,
        date=stage.date,
        status=made.status,
        pace_kmh=round(made.pace_kmh, 2),
        pace_observed=made.pace_observed,
        planned_start=stage.starts_at.astimezone(zone),
        expected_start=_local(made.expected_start, zone),
        started_at=_local(made.started_at, zone),
        last_entry=last,
        position=_position(planned.line, made),
        delay_minutes=round(made.delay_minutes, 1) if made.delay_minutes is not None else None,
        next_handover=_place(handover, zone) if handover is not None else None,
        finish=places[-1],
        places=places,
        open_incidents=incidents,
        measures_at_risk=[w for w in windows if w.at_risk],
        measures=windows,
        ridden_m=stage.ridden_m,
    )


def _position(line: Line | None, made: StageForecast) -> LivePosition:
    lat = lon = None
    if line is not None:
        metres = made.position_km * 1000
        lat = float(np.interp(metres, line.distance, line.lat))
        lon = float(np.interp(metres, line.distance, line.lon))
    last = made.last_event
    exact = last is not None and last.km is not None and abs(last.km - made.position_km) < 0.001
    return LivePosition(
        km=round(made.position_km, 3),
        lat=lat,
        lon=lon,
        extrapolated=made.status in ("riding",) and not exact,
    )


# --- writing the log, and auditing what it changes -------------------------------------------


def day_flags(day: Day, entry_id: int) -> dict[str, DayFlag]:
    """Every flag of the day by a stable key, on or off, from the day's forecasts."""
    flags: dict[str, DayFlag] = {}
    for stage in day.stages:
        made = day.forecasts.get(stage.id or 0)
        if made is None or stage.id is None:
            continue
        for p in made.places:
            if p.place.kind == "handover" and p.place.id is not None:
                flags[f"{stage.id}/handover/{p.place.id}/late"] = DayFlag(
                    stage_id=stage.id,
                    flag="handover_late",
                    on=p.late,
                    checkpoint_id=p.place.id,
                    delay_minutes=_rounded(p.delay_minutes),
                    expected=p.best,
                    entry_id=entry_id,
                )
        for w in made.windows:
            flags[f"{stage.id}/measure/{w.window.id}/at_risk"] = DayFlag(
                stage_id=stage.id,
                flag="measure_at_risk",
                on=w.at_risk,
                measure_id=w.window.id,
                expected=w.passage,
                entry_id=entry_id,
            )
        delay = made.delay_minutes
        flags[f"{stage.id}/delayed"] = DayFlag(
            stage_id=stage.id,
            flag="stage_delayed",
            on=delay is not None and delay > HANDOVER_LATE_MINUTES and made.status != "cancelled",
            delay_minutes=_rounded(delay),
            entry_id=entry_id,
        )
    return flags


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def audited_flags(session: Session, tour: Tour) -> dict[str, bool]:
    """Each flag as the audit log last recorded it (a flag never recorded is off)."""
    state: dict[str, bool] = {}
    for resource_id, action in session.exec(
        select(AuditEntry.resource_id, AuditEntry.action)
        .where(AuditEntry.resource_type == DAY_FLAG, AuditEntry.tour_id == tour.id)
        .order_by(col(AuditEntry.id))
    ).all():
        state[resource_id] = action == "flag"
    return state


def record_day_changes(
    session: Session, *, actor: Actor, tour: Tour, date: dt.date, now: dt.datetime, entry_id: int
) -> list[DayFlag]:
    """Audit every flag of the day that the log, as it now stands, turns on or off against
    what the audit log last recorded: computed from the log and the time the entry arrived,
    so the same log gives the same records, and a flag is recorded once per change (also
    one the clock alone had turned, at the next entry). Callers hold the tour's lock."""
    day = day_of(session, tour, date, now)
    audited = audited_flags(session, tour)
    counties = {s.id: s.county for s in day.stages}
    changed = []
    for key, flag in day_flags(day, entry_id).items():
        if flag.on == audited.get(key, False):
            continue
        audit.record(
            session,
            actor=actor,
            action="flag" if flag.on else "clear",
            resource=audit.Resource(
                type=DAY_FLAG, id=key, tour_id=tour.id, county=counties[flag.stage_id]
            ),
            after=flag,
        )
        changed.append(flag)
    return changed


def log_entry(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    tour: Tour,
    data: LogEntryCreate,
    idempotency_key: str,
    now: dt.datetime,
) -> tuple[StageLogEntry, bool]:
    """Add an entry (see `daylog.add_entry`) and audit the flags it changes. A retry adds
    nothing and audits nothing. One log writer per tour at a time (PostgreSQL; SQLite
    writers queue anyway), so two entries never record the same change twice."""
    session.exec(select(Tour.id).where(col(Tour.id) == tour.id).with_for_update()).one()
    entry, created = daylog.add_entry(
        session,
        actor=actor,
        stage=stage,
        tour=tour,
        data=data,
        idempotency_key=idempotency_key,
        now=now,
    )
    if created:
        assert entry.id is not None
        record_day_changes(
            session, actor=actor, tour=tour, date=stage.date, now=now, entry_id=entry.id
        )
    return entry, created
