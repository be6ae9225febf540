"""The live view built from the database: today's stages, their plans and logs, fed to
the pure forecast (`expected.py`) and shaped for the caller."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.clock import today_in
from sykkelturen.daylog import service as daylog
from sykkelturen.daylog.models import EntryKind, LogEntryPublic, Severity, StageLogEntry
from sykkelturen.live.expected import (
    HANDOVER_LATE_MINUTES,
    Event,
    Place,
    PlaceForecast,
    Plan,
    StageDay,
    StageForecast,
    Window,
    tour_forecasts,
)
from sykkelturen.live.models import (
    LiveIncident,
    LiveMeasure,
    LivePlace,
    LivePosition,
    LiveStage,
    TourLive,
)
from sykkelturen.measures import service as measures
from sykkelturen.measures.models import Measure
from sykkelturen.routes.versions import current_version, load_line
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.tours.models import Tour

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


def plan_of(session: Session, stage: Stage) -> tuple[Plan | None, list[Measure]]:
    version = current_version(session, stage)
    if version is None or stage.starts_at is None:
        return None, []
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
    return plan, measures.list_measures(session, stage)


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
    plans and measures, and their forecasts."""

    stages: list[Stage]
    logs: dict[int | None, list[StageLogEntry]]
    measures: dict[int | None, list[Measure]]
    forecasts: dict[int, StageForecast]


def day_of(session: Session, tour: Tour, date: dt.date, now: dt.datetime) -> Day:
    stages = list(
        session.exec(
            select(Stage)
            .where(Stage.tour_id == tour.id, Stage.date == date)
            .order_by(col(Stage.sequence))
        ).all()
    )
    # What had been received by `now`: a past `now` replays the day as it was seen then.
    logs = {s.id: [r for r in daylog.entries(session, s) if r.received_at <= now] for s in stages}
    plans = {s.id: plan_of(session, s) for s in stages}
    days = [
        StageDay(
            stage_id=s.id or 0,
            date=s.date,
            plan=plans[s.id][0],
            events=events(logs[s.id]),
            windows=windows_of(plans[s.id][1]),
            transfer_minutes=(s.transfer_after or {}).get("duration_minutes"),
        )
        for s in stages
    ]
    return Day(
        stages=stages,
        logs=logs,
        measures={i: plan[1] for i, plan in plans.items()},
        forecasts=tour_forecasts(days, now),
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


def with_forecast(tour: Tour, now: dt.datetime) -> SelectOfScalar[int | None]:
    """The stages of the tour that have a forecast at `now`, as `forecasts_for` decides:
    those that ride today and those with a log (a query, for readers that need only whether
    a sheet shows one, such as an ETag)."""
    logged = sa.exists().where(col(StageLogEntry.stage_id) == col(Stage.id))
    return select(col(Stage.id)).where(
        Stage.tour_id == tour.id, sa.or_(col(Stage.date) == today_of(tour, now), logged)
    )


def tour_live(session: Session, *, actor: Actor, tour: Tour, now: dt.datetime) -> TourLive:
    """Today's stages as they stand at `now`."""
    zone = ZoneInfo(tour.time_zone)
    today = today_of(tour, now)
    day = day_of(session, tour, today, now)
    items = [
        _stage_live(
            session,
            actor,
            stage,
            day.forecasts[stage.id],
            day.measures[stage.id],
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
    session: Session,
    actor: Actor,
    stage: Stage,
    made: StageForecast,
    measure_rows: list[Measure],
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
    titles = {m.id: m for m in measure_rows}
    windows = [
        LiveMeasure(
            measure_id=w.window.id,
            title=titles[w.window.id].title,
            kind=titles[w.window.id].kind,
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
        position=_position(session, stage, made),
        delay_minutes=round(made.delay_minutes, 1) if made.delay_minutes is not None else None,
        next_handover=_place(handover, zone) if handover is not None else None,
        finish=places[-1],
        places=places,
        open_incidents=incidents,
        measures_at_risk=[w for w in windows if w.at_risk],
        measures=windows,
    )


def _position(session: Session, stage: Stage, made: StageForecast) -> LivePosition:
    version = current_version(session, stage)
    lat = lon = None
    if version is not None:
        line = load_line(version)
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
