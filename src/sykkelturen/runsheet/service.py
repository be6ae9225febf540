"""Building run sheets from the data: itinerary lines, legs, measures in time order, hazards,
contacts for those allowed, handovers and overdue measures; and `passing`."""

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlmodel import Session, col, func, select

from sykkelturen.audit.models import AuditEntry
from sykkelturen.caching import LruCache
from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.clock import to_minute
from sykkelturen.gpx import geometry
from sykkelturen.legs.service import stage_legs
from sykkelturen.live import service as live
from sykkelturen.live.expected import PlaceForecast, StageForecast
from sykkelturen.measures import service as measures
from sykkelturen.people.models import Person
from sykkelturen.problems import NotFound
from sykkelturen.riders import service as riders
from sykkelturen.routes import service as routes
from sykkelturen.routes.models import RouteVersion
from sykkelturen.routes.placement import FAR_FROM_ROUTE_M
from sykkelturen.routes.versions import VersionKey, current_bounds, current_version, load_line
from sykkelturen.runsheet.itinerary import (
    Stop,
    arrival,
    finish_times,
    passages,
    reference_speed,
)
from sykkelturen.runsheet.models import (
    Clock,
    Contacts,
    DayTimes,
    LegClock,
    OverdueMeasure,
    Passing,
    PassingAgain,
    RunSheetLeg,
    RunSheetLine,
    RunSheetMeasure,
    StageRunSheet,
    TourRunSheet,
)
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.team import service as team
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tours.models import Tour

# A place farther than this from every route is not "on the tour".
PASSING_MAX_M = 5_000.0


class NotNearTheTour(NotFound):
    title, code = "Not near the tour", "not_near_the_tour"


def _clocks(items: list[tuple[float, dt.datetime, dt.datetime]], zone: ZoneInfo) -> list[Clock]:
    return [
        Clock(speed_kmh=s, arrive=to_minute(a, zone), depart=to_minute(d, zone))
        for s, a, d in items
    ]


def _day_times(made: StageForecast, zone: ZoneInfo, ridden_m: float | None) -> DayTimes:
    finish = made.finish
    return DayTimes(
        status=made.status,
        expected_start=to_minute(made.expected_start, zone)
        if made.expected_start is not None and made.started_at is None
        else None,
        started_at=made.started_at.astimezone(zone) if made.started_at else None,
        delay_minutes=round(made.delay_minutes, 1) if made.delay_minutes is not None else None,
        finish_expected=to_minute(finish.expected, zone) if finish.expected else None,
        finish_actual=finish.actual.astimezone(zone) if finish.actual else None,
        ridden_m=ridden_m,
    )


def _line_day(forecast: StageForecast | None, checkpoint_id: int, zone: ZoneInfo) -> dict[str, Any]:
    """A checkpoint's expected and actual time on the day, from the stage's forecast."""
    on_day: PlaceForecast | None = None
    if forecast is not None:
        on_day = next((p for p in forecast.places if p.place.id == checkpoint_id), None)
    if on_day is None:
        return {}
    delay = on_day.delay_minutes
    return {
        "expected": to_minute(on_day.expected, zone) if on_day.expected else None,
        "actual": on_day.actual.astimezone(zone) if on_day.actual else None,
        "delay_minutes": round(delay, 1) if delay is not None else None,
        "late": on_day.late,
    }


def _measure_day(
    forecast: StageForecast | None, measure_id: int | None, km: float | None, zone: ZoneInfo
) -> dict[str, Any]:
    """A measure's passage on the day: expected ahead, interpolated once passed, and whether
    it leaves the measure's window (the same figures as `/live`)."""
    if forecast is None or km is None:
        return {}
    window = next((w for w in forecast.windows if w.window.id == measure_id), None)
    passage, passed = (
        (window.passage, window.passed)
        if window is not None
        else (forecast.passage(km), forecast.behind(km))
    )
    shown = to_minute(passage, zone) if passage is not None else None
    return {
        "expected": None if passed else shown,
        "actual": shown if passed else None,
        "at_risk": window is not None and window.at_risk,
    }


def _planned(times: list[Clock], speeds_kmh: list[float]) -> dt.datetime | None:
    """The time at the stage's reference speed, which the day's figures are compared with."""
    if not speeds_kmh:
        return None
    speed = reference_speed(speeds_kmh)
    return next((t.arrive for t in times if t.speed_kmh == speed), None)


def stage_run_sheet(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    tour: Tour,
    with_hazards: bool = True,
    forecast: StageForecast | None = None,
) -> StageRunSheet:
    """`forecast`: the stage on the day (`live.forecasts_for`), for expected and actual."""
    zone = ZoneInfo(tour.time_zone)
    version = current_version(session, stage)
    points = checkpoints.ordered(session, stage)
    stops = [Stop(km=c.km, dwell_minutes=c.dwell_minutes) for c in points if c.km is not None]
    distance_km = version.stats["distance_m"] / 1000 if version else None
    start = stage.starts_at
    warnings = []
    if version is None:
        warnings.append("no_route: upload a route to get distances and times")
    if start is None:
        warnings.append("no_start_time: set start_time to get clock times")
    timed = start is not None and version is not None
    lines = []
    for checkpoint in points:
        times = []
        if timed and checkpoint.km is not None:
            assert start is not None
            stop = Stop(km=checkpoint.km, dwell_minutes=checkpoint.dwell_minutes)
            times = _clocks(
                [
                    (p.speed_kmh, p.arrive, p.depart)
                    for p in passages(start, stops, stop, stage.speeds_kmh)
                ],
                zone,
            )
        assert checkpoint.id is not None
        lines.append(
            RunSheetLine(
                checkpoint_id=checkpoint.id,
                name=checkpoint.name,
                kind=checkpoint.kind,
                km=round(checkpoint.km, 3) if checkpoint.km is not None else None,
                km_to_go=max(round(distance_km - checkpoint.km, 3), 0.0) + 0.0  # never -0.0
                if distance_km is not None and checkpoint.km is not None
                else None,
                dwell_minutes=checkpoint.dwell_minutes,
                times=times,
                planned=_planned(times, stage.speeds_kmh),
                **_line_day(forecast, checkpoint.id, zone),
            )
        )
    finish = []
    if timed and distance_km is not None:
        assert start is not None
        finish = _clocks(
            [
                (p.speed_kmh, p.arrive, p.depart)
                for p in finish_times(start, stops, distance_km, stage.speeds_kmh)
            ],
            zone,
        )
    legs = []
    for leg in stage_legs(session, stage).items:
        leg_times = []
        if timed:
            assert start is not None
            for speed in stage.speeds_kmh:
                begin = arrival(start, stops, leg.km_from, speed) + dt.timedelta(
                    minutes=sum(s.dwell_minutes for s in stops if s.km == leg.km_from)
                )
                leg_times.append(
                    LegClock(
                        speed_kmh=speed,
                        start=to_minute(begin, zone),
                        end=to_minute(arrival(start, stops, leg.km_to, speed), zone),
                    )
                )
        legs.append(
            RunSheetLeg(
                **leg.model_dump(exclude={"from_checkpoint_id", "to_checkpoint_id"}),
                times=leg_times,
            )
        )
    measure_rows = []
    for measure in measures.list_measures(session, stage):
        times = []
        km, _, _ = measures.place_of(session, measure)
        if measure.starts_at is None and timed and km is not None:
            assert start is not None
            times = _clocks(
                [
                    (s, arrival(start, stops, km, s), arrival(start, stops, km, s))
                    for s in stage.speeds_kmh
                ],
                zone,
            )
        measure_rows.append(
            RunSheetMeasure(
                measure=measures.public(session, actor, stage, measure),
                times=times,
                **_measure_day(forecast, measure.id, km, zone),
            )
        )
    far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
    measure_rows.sort(
        key=lambda m: m.measure.starts_at or (m.times[0].arrive if m.times else far_future)
    )
    members, stage_riders = team.list_team(session, stage), riders.list_riders(session, stage)
    contacts = None
    if actor.may_see_personal_data(stage.county):
        contacts = Contacts(
            team=[team.public(session, actor, stage, t) for t in members],
            riders=[riders.public(session, actor, stage, r) for r in stage_riders],
        )
    assigned = {
        person_id
        for person_id in (*(m.person_id for m in members), *(r.person_id for r in stage_riders))
        if person_id is not None
    }
    changes = [
        stage.updated_at,
        *(c.updated_at for c in points),
        *(m.updated_at for m in measures.list_measures(session, stage)),
        *(a.updated_at for a in (*members, *stage_riders)),
        *(p.updated_at for p in (session.get(Person, i) for i in sorted(assigned)) if p),
        *tombstones.deleted_from(session, stage),
        *([stage.day_changed_at] if stage.day_changed_at is not None else []),  # the day's log
    ]
    if version is not None:
        changes += [
            t
            for t in (version.uploaded_at, version.reported_at, version.finalized_at)
            if t is not None
        ]
    assert stage.id is not None
    return StageRunSheet(
        stage_id=stage.id,
        sequence=stage.sequence,
        county=stage.county,
        name=stage.name,
        date=stage.date,
        start_place=stage.start_place,
        finish_place=stage.finish_place,
        starts_at=start.astimezone(zone) if start else None,
        speeds_kmh=stage.speeds_kmh,
        route_version=version.number if version else None,
        route_status=version.status if version else None,
        distance_m=version.stats["distance_m"] if version else None,
        ascent_m=version.stats["ascent_m"] if version else None,
        descent_m=version.stats["descent_m"] if version else None,
        lines=lines,
        finish=finish,
        legs=legs,
        measures=measure_rows,
        hazards=routes.hazards(version).items if version is not None and with_hazards else [],
        transfer_after=stage.transfer_after,
        contacts=contacts,
        warnings=warnings,
        day=_day_times(forecast, zone, stage.ridden_m) if forecast is not None else None,
        last_changed=max(changes),
    )


def as_tour_sheet(tour: Tour, sheet: StageRunSheet) -> TourRunSheet:
    """One stage's sheet in the shape of the national one, for the file formats."""
    assert tour.id is not None
    return TourRunSheet(
        tour_id=tour.id,
        name=tour.name,
        time_zone=tour.time_zone,
        generated_at=dt.datetime.now(ZoneInfo(tour.time_zone)),
        stages=[sheet],
        handovers=[],
        overdue_measures=[],
        deleted=[],
    )


def select_stages(
    session: Session,
    tour: Tour,
    *,
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[Stage]:
    statement = select(Stage).where(Stage.tour_id == tour.id)
    if county is not None:
        statement = statement.where(Stage.county == county)
    if date_from is not None:
        statement = statement.where(col(Stage.date) >= date_from)
    if date_to is not None:
        statement = statement.where(col(Stage.date) <= date_to)
    return list(session.exec(statement.order_by(col(Stage.sequence))).all())


def tour_run_sheet(
    session: Session,
    *,
    actor: Actor,
    tour: Tour,
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    updated_since: dt.datetime | None,
    now: dt.datetime | None = None,
) -> TourRunSheet:
    stages = select_stages(session, tour, county=county, date_from=date_from, date_to=date_to)
    on_day = live.forecasts_for(session, tour, stages, now or dt.datetime.now(dt.UTC))
    sheets = [
        stage_run_sheet(
            session,
            actor=actor,
            stage=s,
            tour=tour,
            with_hazards=True,
            forecast=on_day.get(s.id or 0),
        )
        for s in stages
    ]
    if updated_since is not None:
        sheets = [s for s in sheets if s.last_changed > updated_since]
    shown = {s.stage_id for s in sheets}
    on = measures.today()
    overdue = [
        OverdueMeasure(
            measure_id=m.measure.id,
            stage_id=s.stage_id,
            sequence=s.sequence,
            county=s.county,
            title=m.measure.title,
            kind=m.measure.kind,
            due_date=m.measure.due_date,
            status=m.measure.status,
        )
        for s in sheets
        for m in s.measures
        if m.measure.due_date is not None
        and m.measure.due_date < on
        and m.measure.status != "accepted"
    ]
    handovers = [
        h
        for h in routes.handovers(session, tour)
        if h.from_stage_id in shown or h.to_stage_id in shown
    ]
    assert tour.id is not None
    deleted = (
        tombstones.deleted_since(
            session,
            tour_id=tour.id,
            since=updated_since,
            county=county,
            date_from=date_from,
            date_to=date_to,
        )
        if updated_since is not None
        else []
    )
    return TourRunSheet(
        tour_id=tour.id,
        name=tour.name,
        time_zone=tour.time_zone,
        generated_at=dt.datetime.now(ZoneInfo(tour.time_zone)),
        stages=sheets,
        handovers=handovers,
        overdue_measures=overdue,
        deleted=[tombstones.public(t) for t in deleted],
    )


# Rendered run sheets by ETag: the ETag changes with every write, so a kept body is never
# stale, and every worker computes the same ETag from the database.
_bodies: LruCache[str, bytes] = LruCache(16)


def cached_body(tag: str, build: Callable[[], bytes]) -> bytes:
    return _bodies.get_or_make(tag, build)


def newest_change(session: Session) -> tuple[object, object]:
    """The newest audit entry's id and time: every write adds one, in its own transaction."""
    newest = session.exec(select(func.max(AuditEntry.id), func.max(AuditEntry.at))).one()
    return newest[0], newest[1]


def day_marker(session: Session, tour: Tour, now: dt.datetime) -> str:
    """For the ETag: while a stage of the tour rides today, expected times move with the
    clock, so the minute is part of the tag; otherwise nothing."""
    return now.strftime("%Y-%m-%dT%H:%M") if live.rides_today(session, tour, now) else ""


def fingerprint(session: Session, tour: Tour, *parts: object) -> str:
    """An ETag for a run sheet, without building it: the newest change changes whenever
    anything the sheet shows may have; the date is in it because overdue flags change at
    midnight."""
    key = "|".join(
        str(p) for p in (tour.id, tour.version, *newest_change(session), measures.today(), *parts)
    )
    return '"rs-' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


# --- passing -----------------------------------------------------------------------------

_snaplines: LruCache[VersionKey, geometry.SnapLine] = LruCache(1024)
_route_indexes: LruCache[tuple[object, ...], list[tuple[int, VersionKey, dict[str, float]]]] = (
    LruCache(64)
)


def route_index(session: Session, tour: Tour) -> list[tuple[int, VersionKey, dict[str, float]]]:
    """Each current route's stage, key and bounds; rebuilt only after a write."""
    return _route_indexes.get_or_make(
        (tour.id, *newest_change(session)), lambda: current_bounds(session, tour.id)
    )


def _snapline(session: Session, key: VersionKey) -> geometry.SnapLine:
    def make() -> geometry.SnapLine:
        version = session.get(RouteVersion, key[0])
        assert version is not None
        return load_line(version).snapper()

    return _snaplines.get_or_make(key, make)


def _bounds_distance_m(bounds: dict[str, float], lat: float, lon: float) -> float:
    """A lower bound of the distance from the place to anything inside the bounds."""
    dlat = max(bounds["min_lat"] - lat, 0.0, lat - bounds["max_lat"])
    dlon = max(bounds["min_lon"] - lon, 0.0, lon - bounds["max_lon"])
    return (
        float(
            np.hypot(dlat * 110_574.0, dlon * 111_320.0 * np.cos(np.radians(min(abs(lat), 89.0))))
        )
        * 0.99
    )


def passing(
    session: Session, *, tour: Tour, lat: float, lon: float, now: dt.datetime | None = None
) -> Passing:
    best: tuple[float, int, geometry.Snap, VersionKey] | None = None
    for stage_id, key, bounds in route_index(session, tour):
        if _bounds_distance_m(bounds, lat, lon) > PASSING_MAX_M:
            continue
        snap = _snapline(session, key).snap(lat, lon)
        if best is None or snap.offset_m < best[0]:
            best = (snap.offset_m, stage_id, snap, key)
    if best is None or best[0] > PASSING_MAX_M:
        raise NotNearTheTour(
            f"No route of tour {tour.id} passes within {PASSING_MAX_M / 1000:.0f} km "
            f"of {lat:.5f}, {lon:.5f}."
        )
    offset, stage_id, snap, key = best
    stage = session.get(Stage, stage_id)
    assert stage is not None
    zone = ZoneInfo(tour.time_zone)
    stops = [
        Stop(km=c.km, dwell_minutes=c.dwell_minutes)
        for c in checkpoints.ordered(session, stage)
        if c.km is not None
    ]

    def times_at(km: float) -> list[Clock]:
        if stage.starts_at is None:
            return []
        return [
            Clock(
                speed_kmh=s,
                arrive=to_minute(arrival(stage.starts_at, stops, km, s), zone),
                depart=to_minute(arrival(stage.starts_at, stops, km, s), zone),
            )
            for s in stage.speeds_kmh
        ]

    others = [
        p
        for p in _snapline(session, key).passes(lat, lon, within_m=FAR_FROM_ROUTE_M)
        if abs(p.km - snap.km) > 0.001
    ]
    times = times_at(snap.km)
    assert stage.id is not None
    on_day = live.forecasts_for(session, tour, [stage], now or dt.datetime.now(dt.UTC)).get(
        stage.id
    )
    expected = on_day.passage(snap.km) if on_day is not None else None
    return Passing(
        stage_id=stage.id,
        sequence=stage.sequence,
        stage_name=stage.name,
        date=stage.date,
        km=round(snap.km, 3),
        distance_m=round(offset, 1),
        lat=snap.lat,
        lon=snap.lon,
        times=times,
        expected=to_minute(expected, zone) if expected is not None else None,
        other_passes=[
            PassingAgain(km=round(p.km, 3), distance_m=round(p.offset_m, 1), times=times_at(p.km))
            for p in others
        ],
    )
