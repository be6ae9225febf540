"""Per-stage fragments of run sheets: each stage's sheet, built once from Core rows and
serialised once, kept per worker under a key made of everything it depends on.

The key of a stage's fragment (`fragment_key`) is made of
- the versions (`gather.StageVersions`) of every stage that rides the same date, the
  stage's own included: its row, current route version (number, status, report and final
  times), checkpoints, measures and the people and partners they name, team, riders, their
  people and leg references, tombstones, and its day-of log as received by `now`. The same
  date's other stages are in it because two things reach across stages on one date: a
  rider's long-duty warning adds up the person's riding on every stage that day, and the
  forecast on the day carries each finish into the next start;
- the tour's row (its zone and name), today's date in the tour's zone (measures turn
  overdue at midnight), whether the caller may see the stage county's personal data (the
  only thing of the caller a stage's sheet shows), and whether hazards are wanted;
- `now` itself when the stage has a forecast (it rides today or has a log): expected times
  move with the clock, so such a fragment is reused only by a request at the same instant
  (a test clock, or the kept body of the whole sheet), never across time.

Why a kept fragment is never stale, on any number of workers: every worker keeps its own
fragments and, on every request that builds a sheet, reads the versions of every stage
from the database (a few set-based statements) before reading any content. A write
changes at least one part of the key of each fragment it affects, and a key, once gone,
never comes back (ids are never reused, versions only grow, logs and tombstones only
grow), so a fragment kept under a key describes exactly the state that key was read from
or a later one (versions are read before contents: never an older one). Nothing is shared
between workers, so there is nothing to invalidate: a worker that missed a write sees a
new key on its next request, as every other worker does.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sykkelturen.caching import LruCache
from sykkelturen.clock import to_minute
from sykkelturen.legs import rules as leg_rules
from sykkelturen.legs.models import Leg
from sykkelturen.legs.service import legs_along
from sykkelturen.live.expected import PlaceForecast, StageForecast
from sykkelturen.measures.models import MeasurePublic
from sykkelturen.measures.service import shown
from sykkelturen.partners.models import PartnerKind, PartnerRef
from sykkelturen.people.models import PersonSummary
from sykkelturen.routes.models import HazardPublic
from sykkelturen.routes.service import hazard_items
from sykkelturen.routes.versions import VersionKey, decode_line, version_key
from sykkelturen.runsheet.gather import Contents, Row, StageVersions
from sykkelturen.runsheet.itinerary import Stop, Timetable
from sykkelturen.runsheet.models import (
    Clock,
    Contacts,
    DayTimes,
    LegClock,
    OverdueMeasure,
    RunSheetLeg,
    RunSheetLine,
    RunSheetMeasure,
    StageRunSheet,
)

FAR_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Fragment:
    """A stage's sheet as JSON, serialised once, and its overdue measures. Only bytes are
    kept (a sheet's models are thousands of objects, which the garbage collector would walk
    again and again); the file formats read the models back from the JSON."""

    json: bytes
    overdue: tuple[OverdueMeasure, ...]

    def sheet(self) -> StageRunSheet:
        return StageRunSheet.model_validate_json(self.json)


# Enough for a few 300-stage tours in both visibilities; a fragment is about 15 KB of JSON.
_fragments: LruCache[tuple[Any, ...], Fragment] = LruCache(2_000)
_hazards: LruCache[VersionKey, list[HazardPublic]] = LruCache(2_000)


def fragment_key(
    stage_id: int,
    *,
    day_group: tuple[Any, ...],
    tour: tuple[Any, ...],
    today: dt.date,
    visible: bool,
    with_hazards: bool,
    forecast_at: dt.datetime | None,
) -> tuple[Any, ...]:
    return (stage_id, day_group, tour, today, visible, with_hazards, forecast_at)


def kept(key: tuple[Any, ...]) -> Fragment | None:
    return _fragments.get(key)


def keep(key: tuple[Any, ...], sheet: StageRunSheet) -> Fragment:
    overdue = tuple(
        OverdueMeasure(
            measure_id=m.measure.id,
            stage_id=sheet.stage_id,
            sequence=sheet.sequence,
            county=sheet.county,
            title=m.measure.title,
            kind=m.measure.kind,
            due_date=m.measure.due_date,
            status=m.measure.status,
        )
        for m in sheet.measures
        if m.measure.overdue and m.measure.due_date is not None
    )
    fragment = Fragment(json=sheet.model_dump_json().encode(), overdue=overdue)
    _fragments.get_or_make(key, lambda: fragment)
    return fragment


class _Times:
    """A stage's clock times, all computed at once (`Timetable.minutes`) and shown in the
    tour's zone to the minute; `asked` in order: one (km, dwell) per place."""

    def __init__(
        self,
        table: Timetable,
        asked: list[tuple[float, int]],
        speeds: list[float],
        local: dict[int, dt.datetime],
        zone: ZoneInfo,
    ) -> None:
        self.arrive: list[list[int]] = []
        self.depart: list[list[int]] = []
        if asked:
            arrive, depart = table.minutes([k for k, _ in asked], [d for _, d in asked], speeds)
            self.arrive, self.depart = arrive.tolist(), depart.tolist()
        self.speeds, self.local, self.zone, self.next = speeds, local, zone, 0

    def _shown(self, minute: int) -> dt.datetime:
        shown = self.local.get(minute)
        if shown is None:
            shown = self.local[minute] = dt.datetime.fromtimestamp(minute * 60, self.zone)
        return shown

    def take(self) -> tuple[list[dt.datetime], list[dt.datetime]]:
        """The next place's arrival and departure at each speed."""
        i, self.next = self.next, self.next + 1
        return [self._shown(m) for m in self.arrive[i]], [self._shown(m) for m in self.depart[i]]

    def clocks(self) -> list[Clock]:
        arrive, depart = self.take()
        return [
            Clock(speed_kmh=s, arrive=a, depart=d)
            for s, a, d in zip(self.speeds, arrive, depart, strict=True)
        ]


def _day_times(made: StageForecast, zone: ZoneInfo) -> DayTimes:
    finish = made.finish
    return DayTimes(
        status=made.status,
        started_at=made.started_at.astimezone(zone) if made.started_at else None,
        delay_minutes=round(made.delay_minutes, 1) if made.delay_minutes is not None else None,
        finish_expected=to_minute(finish.expected, zone) if finish.expected else None,
        finish_actual=finish.actual.astimezone(zone) if finish.actual else None,
    )


def _line_day(
    forecast: StageForecast | None, checkpoint_id: int, zone: ZoneInfo
) -> dict[str, dt.datetime | None]:
    """A checkpoint's expected and actual time on the day, from the stage's forecast."""
    on_day: PlaceForecast | None = None
    if forecast is not None:
        on_day = next((p for p in forecast.places if p.place.id == checkpoint_id), None)
    return {
        "expected": to_minute(on_day.expected, zone) if on_day and on_day.expected else None,
        "actual": on_day.actual.astimezone(zone) if on_day and on_day.actual else None,
    }


def _measure(row: Row, place: Row | None, visible: bool, today: dt.date) -> MeasurePublic:
    """A measure as `measures.service.public` shows it, from its joined row: at a checkpoint
    it is where the checkpoint is now; the responsible person only to those who may see."""
    km, lat, lon = (
        (place.km, place.lat, place.lon) if place is not None else (row.km, row.lat, row.lon)
    )
    person = (
        PersonSummary(
            id=row.person_id,
            name=row.person_name,
            phone=row.person_phone,
            email=row.person_email,
            organisation=row.person_organisation,
        )
        if visible and row.person_id is not None
        else None
    )
    partner = (
        PartnerRef(id=row.partner_id, name=row.partner_name, kind=PartnerKind(row.partner_kind))
        if row.partner_id is not None
        else None
    )
    return shown(row, place=(km, lat, lon), person=person, partner=partner, on=today)


def last_changed(found: StageVersions) -> dt.datetime:
    """The latest change to the stage or anything its sheet shows."""
    changes = [found.stage.updated_at]
    for part in ("checkpoints", "measures", "team", "riders", "team_people", "rider_people"):
        changes.append(found.newest(part))
    changes.append(found.newest("tombstones"))
    if found.route is not None:
        changes += [found.route.uploaded_at, found.route.reported_at, found.route.finalized_at]
    newest: dt.datetime = max(c for c in changes if c is not None)
    return newest


def _along_route(
    stage: Row, geometry: Row, marks: list[Row], with_hazards: bool
) -> tuple[list[Leg], list[HazardPublic]]:
    """The legs (with distance and climb) and hazards of the current route's line."""
    key = version_key(geometry.id, geometry.sha256, geometry.uploaded_at)
    line = decode_line(key, geometry.geometry, geometry.point_times, geometry.segment_starts)
    bounds = [leg_rules.Mark(id=m.id, kind=m.kind, km=m.km, name=m.name) for m in marks]
    names = (stage.start_place or "Start", stage.finish_place or "Mål")
    hazards = _hazards.get_or_make(key, lambda: hazard_items(line)) if with_hazards else []
    return legs_along(bounds, line, *names), hazards


def build(
    stage_id: int,
    *,
    found: StageVersions,
    rows: Contents,
    zone: ZoneInfo,
    today: dt.date,
    visible: bool,
    with_hazards: bool,
    contacts: Contacts | None,
    forecast: StageForecast | None,
    local: dict[int, dt.datetime],
) -> StageRunSheet:
    """One stage's sheet from its rows (`gather.contents`): the itinerary at each planned
    speed, legs, measures in time order, hazards, and on the day expected and actual.
    `local`: minutes since the epoch already shown in the tour's zone (shared by a build)."""
    stage = rows.stages[stage_id]
    route = found.route
    stats = route.stats if route is not None else None
    points = sorted(
        rows.checkpoints.get(stage_id, []), key=lambda c: (c.km is None, c.km or 0.0, c.id)
    )
    by_id = {c.id: c for c in points}
    stops = [Stop(km=c.km, dwell_minutes=c.dwell_minutes) for c in points if c.km is not None]
    distance_km = stats["distance_m"] / 1000 if stats is not None else None
    start: dt.datetime | None = stage.starts_at
    speeds: list[float] = stage.speeds_kmh
    warnings = []
    if route is None:
        warnings.append("no_route: upload a route to get distances and times")
    if start is None:
        warnings.append("no_start_time: set start_time to get clock times")
    table = Timetable(start, stops) if start is not None and route is not None else None
    found_legs, hazards = (
        _along_route(stage, rows.lines[stage_id], rows.marks.get(stage_id, []), with_hazards)
        if route is not None
        else ([], [])
    )
    measured = []
    for row in rows.measures.get(stage_id, []):
        place = by_id.get(row.checkpoint_id) if row.checkpoint_id is not None else None
        public = _measure(row, place, visible, today)
        untimed = public.starts_at is None and public.km is not None
        measured.append((public, (place.km if place is not None else row.km) if untimed else None))
    # Every clock time of the stage, asked in the order they are taken below.
    asked: list[tuple[float, int]] = []
    if table is not None:
        asked += [(c.km, c.dwell_minutes) for c in points if c.km is not None]
        asked += [(distance_km, 0)] if distance_km is not None else []
        for leg in found_legs:
            here = sum(s.dwell_minutes for s in stops if s.km == leg.km_from)
            asked += [(leg.km_from, here), (leg.km_to, 0)]
        asked += [(km, 0) for _, km in measured if km is not None]
    times = _Times(table, asked, speeds, local, zone) if table is not None else None
    lines = []
    for c in points:
        lines.append(
            RunSheetLine(
                checkpoint_id=c.id,
                name=c.name,
                kind=c.kind,
                km=round(c.km, 3) if c.km is not None else None,
                km_to_go=max(round(distance_km - c.km, 3), 0.0) + 0.0  # never -0.0
                if distance_km is not None and c.km is not None
                else None,
                dwell_minutes=c.dwell_minutes,
                times=times.clocks() if times is not None and c.km is not None else [],
                **_line_day(forecast, c.id, zone),
            )
        )
    finish = times.clocks() if times is not None and distance_km is not None else []
    legs: list[RunSheetLeg] = []
    for leg in found_legs:
        leg_times = []
        if times is not None:
            _, begins = times.take()
            ends, _ = times.take()
            leg_times = [
                LegClock(speed_kmh=s, start=b, end=e)
                for s, b, e in zip(speeds, begins, ends, strict=True)
            ]
        legs.append(
            RunSheetLeg(
                **leg.model_dump(exclude={"from_checkpoint_id", "to_checkpoint_id"}),
                times=leg_times,
            )
        )
    measure_rows = [
        RunSheetMeasure(
            measure=public, times=times.clocks() if times is not None and km is not None else []
        )
        for public, km in measured
    ]
    measure_rows.sort(
        key=lambda m: m.measure.starts_at or (m.times[0].arrive if m.times else FAR_FUTURE)
    )
    return StageRunSheet(
        stage_id=stage.id,
        sequence=stage.sequence,
        county=stage.county,
        name=stage.name,
        date=stage.date,
        start_place=stage.start_place,
        finish_place=stage.finish_place,
        starts_at=start.astimezone(zone) if start else None,
        speeds_kmh=speeds,
        route_version=route.number if route is not None else None,
        route_status=route.status if route is not None else None,
        distance_m=stats["distance_m"] if stats is not None else None,
        ascent_m=stats["ascent_m"] if stats is not None else None,
        descent_m=stats["descent_m"] if stats is not None else None,
        lines=lines,
        finish=finish,
        legs=legs,
        measures=measure_rows,
        hazards=hazards,
        transfer_after=stage.transfer_after,
        contacts=contacts,
        warnings=warnings,
        day=_day_times(forecast, zone) if forecast is not None else None,
        last_changed=last_changed(found),
    )
