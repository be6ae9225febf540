"""Building run sheets from the data: itinerary lines, legs, measures in time order, hazards,
contacts for those allowed, handovers and overdue measures; and `passing`."""

import datetime as dt
import functools
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from sykkelturen import caching
from sykkelturen.audit.models import AuditEntry
from sykkelturen.caching import LruCache
from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.clock import to_minute, today_in
from sykkelturen.compression import Piece, Stitched
from sykkelturen.gpx import geometry
from sykkelturen.live import service as live
from sykkelturen.problems import NotFound
from sykkelturen.riders import service as riders
from sykkelturen.routes import service as routes
from sykkelturen.routes.models import Handover, RouteVersion
from sykkelturen.routes.placement import FAR_FROM_ROUTE_M
from sykkelturen.routes.versions import VersionKey, current_bounds, load_line
from sykkelturen.runsheet import fragments, gather
from sykkelturen.runsheet.gather import Row
from sykkelturen.runsheet.models import (
    Clock,
    Contacts,
    Passing,
    PassingAgain,
    StageRunSheet,
    TourRunSheet,
)
from sykkelturen.security import Actor
from sykkelturen.stages.itinerary import Stop, arrival
from sykkelturen.stages.models import Stage
from sykkelturen.team import service as team
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tours.models import Tour

# A place farther than this from every route is not "on the tour".
PASSING_MAX_M = 5_000.0


class NotNearTheTour(NotFound):
    title, code = "Not near the tour", "not_near_the_tour"


@dataclass
class BuiltSheet:
    """A national (or one-stage) sheet: all but its stages, and the stages' fragments."""

    envelope: TourRunSheet  # `stages` empty
    fragments: list[fragments.Fragment]

    @property
    def stage_json(self) -> list[bytes]:
        return [f.json for f in self.fragments]

    @functools.cached_property
    def sheet(self) -> TourRunSheet:
        """The whole sheet as models, for the file formats."""
        return self.envelope.model_copy(update={"stages": [f.sheet() for f in self.fragments]})

    def to_json(self) -> Stitched:
        """The sheet as JSON: the stages' kept JSON joined inside the rest of it, as pieces,
        so that its gzip compresses only what is not kept (the envelope, new fragments)."""
        head = self.envelope.model_dump_json(
            include={"tour_id", "name", "time_zone", "generated_at"}
        )
        tail = self.envelope.model_dump_json(include={"handovers", "overdue_measures", "deleted"})
        pieces = [Piece(head[:-1].encode() + b',"stages":[')]
        for n, fragment in enumerate(self.fragments):
            if n:
                pieces.append(_COMMA)
            pieces.append(fragment.piece)
        pieces.append(Piece(b"]," + tail[1:].encode()))
        return Stitched(pieces)


# The separator between stages: one piece, compressed once per process.
_COMMA = Piece(b",")


def _fragments(
    session: Session,
    *,
    actor: Actor,
    tour: Tour,
    found: dict[int, gather.StageVersions],
    shown: list[int],
    now: dt.datetime,
    on_day: bool,
    with_hazards: bool,
) -> list[fragments.Fragment]:
    """The fragments of the `shown` stages: kept ones whose key still holds, the others
    built from one set of Core reads and kept."""
    assert tour.id is not None
    zone = ZoneInfo(tour.time_zone)
    today = today_in(tour.time_zone)
    day = live.today_of(tour, now)
    by_date: dict[dt.date, list[tuple[Any, ...]]] = defaultdict(list)
    for versions in found.values():
        by_date[versions.stage.date].append(versions.key())
    tour_key = (tour.id, tour.version, tour.name, tour.time_zone)
    dated = {
        i for i in shown if on_day and (found[i].stage.date == day or found[i].count("logged") > 0)
    }
    # Of those, the ones whose forecast still moves with the clock (not finished): only
    # their fragments are kept for this instant alone.
    moving = set(session.exec(live.forecast_moves(tour, now)).all()) if dated else set()
    keys = {}
    for stage_id in shown:
        versions = found[stage_id]
        keys[stage_id] = fragments.fragment_key(
            stage_id,
            day_group=tuple(by_date[versions.stage.date]),
            tour=tour_key,
            today=today,
            visible=actor.may_see_personal_data(versions.stage.county),
            with_hazards=with_hazards,
            forecast_at=now if stage_id in dated and stage_id in moving else None,
        )
    result = {i: f for i in shown if (f := fragments.kept(keys[i])) is not None}
    stale = [i for i in shown if i not in result]
    if stale:
        rows = gather.contents(session, found, stale)
        lines = gather.lines(
            session,
            [
                route.id
                for i in stale
                if (route := found[i].route) is not None
                and fragments.needs_line(rows.stages[i], route, rows.marks.get(i, []), with_hazards)
            ],
        )

        def read_line(stage_id: int) -> Row:
            # Kept legs or hazards may have been dropped since `needs_line` (another
            # request's build): then this one route is read on its own.
            if stage_id not in lines:
                route = found[stage_id].route
                assert route is not None
                lines.update(gather.lines(session, [route.id]))
            return lines[stage_id]

        orm = {i: session.get(Stage, i) for i in stale if i in dated or _has_people(found[i])}
        on_day_stages = [s for i, s in orm.items() if s is not None and i in dated]
        forecasts = live.forecasts_for(session, tour, on_day_stages, now) if on_day_stages else {}
        for stage_id in stale:
            visible = actor.may_see_personal_data(found[stage_id].stage.county)
            stage = orm.get(stage_id)
            contacts = None
            if visible:
                contacts = (
                    _contacts(session, actor, stage) if stage else Contacts(team=[], riders=[])
                )
            fragment = fragments.build(
                stage_id,
                found=found[stage_id],
                rows=rows,
                zone=zone,
                today=today,
                visible=visible,
                with_hazards=with_hazards,
                contacts=contacts,
                forecast=forecasts.get(stage_id),
                read_line=functools.partial(read_line, stage_id),
            )
            result[stage_id] = fragments.keep(keys[stage_id], fragment)
    return [result[i] for i in shown]


def _contacts(session: Session, actor: Actor, stage: Stage) -> Contacts:
    """Team and riders with their people, as their own domains show them (few rows: kept
    with the ORM, where their leg and duty rules live)."""
    return Contacts(
        team=[team.public(session, actor, stage, t) for t in team.list_team(session, stage)],
        riders=[
            riders.public(session, actor, stage, r) for r in riders.list_riders(session, stage)
        ],
    )


def _has_people(versions: gather.StageVersions) -> bool:
    return versions.count("team") > 0 or versions.count("riders") > 0


def stage_run_sheet(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    tour: Tour,
    with_hazards: bool = True,
    now: dt.datetime | None = None,
) -> StageRunSheet:
    """`now`: the sheet on the day too (expected and actual from the log, as `/live`)."""
    return (
        stage_sheet(
            session, actor=actor, stage=stage, tour=tour, with_hazards=with_hazards, now=now
        )
        .fragments[0]
        .sheet()
    )


def stage_sheet(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    tour: Tour,
    with_hazards: bool = True,
    now: dt.datetime | None = None,
) -> BuiltSheet:
    """One stage's sheet in the shape of the national one, for the file formats."""
    assert tour.id is not None
    assert stage.id is not None
    at = now or dt.datetime.now(dt.UTC)
    found = gather.versions(session, tour.id, at)
    (fragment,) = _fragments(
        session,
        actor=actor,
        tour=tour,
        found=found,
        shown=[stage.id],
        now=at,
        on_day=now is not None,
        with_hazards=with_hazards,
    )
    sheet = TourRunSheet(
        tour_id=tour.id,
        name=tour.name,
        time_zone=tour.time_zone,
        generated_at=dt.datetime.now(ZoneInfo(tour.time_zone)),
        stages=[],
        handovers=[],
        overdue_measures=[],
        deleted=[],
    )
    return BuiltSheet(envelope=sheet, fragments=[fragment])


def _selected(
    found: dict[int, gather.StageVersions],
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[int]:
    return [
        i
        for i, v in found.items()
        if (county is None or v.stage.county == county)
        and (date_from is None or v.stage.date >= date_from)
        and (date_to is None or v.stage.date <= date_to)
    ]


def _handovers(found: dict[int, gather.StageVersions], shown: set[int]) -> list[Handover]:
    def side(v: gather.StageVersions) -> routes.HandoverSide:
        stats = v.route.stats if v.route is not None else None
        return routes.HandoverSide(v.stage.id, v.stage.sequence, stats)

    return [
        routes.handover(before=side(a), after=side(b), transfer=a.stage.transfer_after)
        for a, b in itertools.pairwise(found.values())
        if a.stage.id in shown or b.stage.id in shown
    ]


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
) -> BuiltSheet:
    """The national sheet: every stage's fragment (kept or rebuilt), in national order,
    handovers and overdue measures."""
    assert tour.id is not None
    at = now or dt.datetime.now(dt.UTC)
    found = gather.versions(session, tour.id, at)
    selected = _selected(found, county, date_from, date_to)
    if updated_since is not None:
        selected = [i for i in selected if fragments.last_changed(found[i]) > updated_since]
    built = _fragments(
        session,
        actor=actor,
        tour=tour,
        found=found,
        shown=selected,
        now=at,
        on_day=True,
        with_hazards=True,
    )
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
    sheet = TourRunSheet(
        tour_id=tour.id,
        name=tour.name,
        time_zone=tour.time_zone,
        generated_at=dt.datetime.now(ZoneInfo(tour.time_zone)),
        stages=[],
        handovers=_handovers(found, set(selected)),
        overdue_measures=[m for f in built for m in f.overdue],
        deleted=[tombstones.public(t) for t in deleted],
    )
    # The kept fragments, legs and lines (and what the first build made lazily: compiled
    # statements, serializers) live as long as the process: out of full collections.
    caching.freeze_long_lived("national sheet built")
    return BuiltSheet(envelope=sheet, fragments=built)


# Rendered run sheets by ETag: the ETag changes with every write, so a kept body is never
# stale, and every worker computes the same ETag from the database.
_bodies: LruCache[str, bytes] = LruCache(16)


def cached_body(tag: str, build: Callable[[], bytes]) -> bytes:
    return _bodies.get_or_make(tag, build)


# Built once (a statement built per request costs SQLAlchemy its cache key each time).
_NEWEST_CHANGE = select(func.max(AuditEntry.id), func.max(AuditEntry.at))
# What a run sheet's ETag reads of its tour (of a stage's tour for a stage's sheet), with
# the newest change: one statement.
_TAGGED_TOUR = sa.select(
    col(Tour.id),
    col(Tour.version),
    col(Tour.time_zone),
    select(func.max(AuditEntry.id)).scalar_subquery(),
    select(func.max(AuditEntry.at)).scalar_subquery(),
)
_TAGGED = _TAGGED_TOUR.where(col(Tour.id) == sa.bindparam("tour_id"))
_TAGGED_STAGE = _TAGGED_TOUR.join(Stage, col(Stage.tour_id) == col(Tour.id)).where(
    col(Stage.id) == sa.bindparam("stage_id")
)


def newest_change(session: Session) -> tuple[object, object]:
    """The newest audit entry's id and time: every write adds one, in its own transaction."""
    newest = session.exec(_NEWEST_CHANGE).one()
    return newest[0], newest[1]


def fingerprint(
    connection: sa.Connection,
    *parts: object,
    now: dt.datetime,
    tour_id: int | None = None,
    stage_id: int | None = None,
    county: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> str | None:
    """An ETag for a run sheet, without building it: of the tour `tour_id`, or of the sheet
    of the stage `stage_id` alone; None when there is no such tour or stage. The newest
    change changes whenever anything the sheet shows may have; the date is in it because
    overdue flags change at midnight. Two statements on one connection and no ORM: this
    is all that a conditional request answered 304, a sheet's busiest request, reads.

    The clock comes last: a stage whose forecast still moves with the clock
    (`live.forecast_moves`, the same rule as its fragment's key: it rides today or has a
    log, and has not finished) shows expected times that move to the minute, delays to a
    tenth of one, statuses at any instant. So when the sheet shows such a stage (the one
    stage, or any the county and dates select) the instant is part of the tag, and its kept
    body is never reused at another; otherwise nothing: a finished stage's actual times
    change only with a new entry, a write (the date, for overdue measures, is in every
    tag)."""
    if stage_id is None:
        tagged = connection.execute(_TAGGED, {"tour_id": tour_id}).one_or_none()
    else:
        tagged = connection.execute(_TAGGED_STAGE, {"stage_id": stage_id}).one_or_none()
    if tagged is None:
        return None
    tour, version, time_zone, newest_id, newest_at = tagged
    moves = live.any_forecast_moves(
        connection,
        tour_id=tour,
        time_zone=time_zone,
        now=now,
        stage_id=stage_id,
        county=county,
        date_from=date_from,
        date_to=date_to,
    )
    marker = now.isoformat() if moves else ""
    key = "|".join(
        str(p) for p in (tour, version, newest_id, newest_at, today_in(time_zone), *parts, marker)
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
