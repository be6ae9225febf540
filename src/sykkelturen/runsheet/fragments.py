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
- `now` itself when the stage's forecast still moves with the clock (it rides today or
  has a log and has not finished: `live.forecast_moves`): expected times move with the
  clock, so such a fragment is reused only by a request at the same instant (a test clock,
  or the kept body of the whole sheet), never across time. A finished stage's fragment
  (cancelled, or started and arrived, every entry received and happened by `now`) shows
  only actual times, the same at every later instant: its log's versions in the key
  change with the next entry.

Why a kept fragment is never stale, on any number of workers: every worker keeps its own
fragments and, on every request that builds a sheet, reads the versions of every stage
from the database (two set-based statements, `gather.versions`) before reading any
content. The rows a fragment is built from are kept on the same terms (`gather._rows`,
under the versions of the checkpoints, measures and the people and partners they name;
`gather._stats`, a route version's stats, which never change). A write
changes at least one part of the key of each fragment it affects, and a key, once gone,
never comes back (ids are never reused, versions only grow, logs and tombstones only
grow), so a fragment kept under a key describes exactly the state that key was read from
or a later one (versions are read before contents: never an older one). Nothing is shared
between workers, so there is nothing to invalidate: a worker that missed a write sees a
new key on its next request, as every other worker does.
"""

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pydantic_core

from sykkelturen.caching import LruCache
from sykkelturen.clock import to_minute
from sykkelturen.compression import Piece
from sykkelturen.legs import rules as leg_rules
from sykkelturen.legs.models import Leg
from sykkelturen.legs.service import legs_along
from sykkelturen.live.expected import PlaceForecast, StageForecast
from sykkelturen.measures.service import shown_fields
from sykkelturen.partners.models import PartnerKind, PartnerRef
from sykkelturen.people.models import PersonSummary
from sykkelturen.routes.models import HazardPublic
from sykkelturen.routes.service import hazard_items
from sykkelturen.routes.versions import Line, VersionKey, decode_line, version_key
from sykkelturen.runsheet.gather import Contents, CurrentRoute, Record, Row, StageVersions
from sykkelturen.runsheet.models import (
    Contacts,
    OverdueMeasure,
    StageRunSheet,
)
from sykkelturen.stages.itinerary import Stop, Timetable, reference_speed

Json = dict[str, Any]


@dataclass(frozen=True)
class Fragment:
    """A stage's sheet as JSON, serialised once, and its overdue measures. Only bytes are
    kept (a sheet's models are thousands of objects, which the garbage collector would walk
    again and again); the file formats read the models back from the JSON. The JSON is a
    `Piece`, so its gzip, once made for a national sheet, is kept beside it and stitched
    into the next one (`compression.Stitched`)."""

    piece: Piece
    overdue: tuple[OverdueMeasure, ...]

    @property
    def json(self) -> bytes:
        return self.piece.data

    def sheet(self) -> StageRunSheet:
        return StageRunSheet.model_validate_json(self.json)


# Enough for a few 300-stage tours in both visibilities; a fragment is about 15 KB of JSON.
_fragments: LruCache[tuple[Any, ...], Fragment] = LruCache(2_000)
_hazards: LruCache[VersionKey, list[HazardPublic]] = LruCache(2_000)
# Legs of a route line between its boundary checkpoints: a pure function of the line, the
# marks (id, kind, km, name) and the end names, all in the key.
_legs: LruCache[tuple[Any, ...], list[Leg]] = LruCache(2_000)


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


def keep(key: tuple[Any, ...], fragment: Fragment) -> Fragment:
    _fragments.get_or_make(key, lambda: fragment)
    return fragment


# Clock texts by zone and minute since the epoch: the text pydantic writes for that minute
# in that zone, a pure function of the two, so kept for the process (ints and strings, which
# the garbage collector never walks), dropped whole past `_CLOCK_TEXTS` minutes of a zone
# (a 300-stage tour shows about 7,500).
_CLOCK_TEXTS = 100_000
_clock_texts: dict[str, dict[int, str]] = {}


def _texts_of(zone: ZoneInfo) -> dict[int, str]:
    texts = _clock_texts.setdefault(zone.key, {})
    if len(texts) > _CLOCK_TEXTS:
        texts.clear()
    return texts


class _Times:
    """A stage's clock times, all computed at once (`Timetable.minutes`) and shown in the
    tour's zone to the minute; `asked` in order: one (km, dwell) per place.

    Each time is kept as the text its JSON shows (`_clock_texts`, made once per minute and
    process with pydantic's own writer), so the few hundred times of a stage are written as
    strings, a quarter of what a zoned datetime costs to write; `minutes` keeps each
    arrival's minute, for ordering by time."""

    def __init__(
        self, table: Timetable, asked: list[tuple[float, int]], speeds: list[float], zone: ZoneInfo
    ) -> None:
        self.arrive: list[str] = []
        self.depart: list[str] = []
        self.minutes: list[int] = []
        if asked:
            arrive, depart = table.minutes([k for k, _ in asked], [d for _, d in asked], speeds)
            # This stage's own texts: another thread may clear the shared ones meanwhile.
            shared, local = _texts_of(zone), {}
            for minute in np.unique(np.concatenate((arrive, depart), axis=None)).tolist():
                text = shared.get(minute)
                if text is None:
                    moment = dt.datetime.fromtimestamp(minute * 60, zone)
                    text = shared[minute] = pydantic_core.to_json(moment).decode()[1:-1]
                local[minute] = text
            # Flat, place after place, one per speed.
            self.minutes = arrive.ravel().tolist()
            self.arrive = [local[m] for m in self.minutes]
            self.depart = [local[m] for m in depart.ravel().tolist()]
        self.speeds, self.next = speeds, 0

    def take(self) -> tuple[list[str], list[str]]:
        """The next place's arrival and departure at each speed."""
        n = len(self.speeds)
        i, self.next = self.next * n, self.next + 1
        return self.arrive[i : i + n], self.depart[i : i + n]

    def first_arrival(self) -> int:
        """The minute of the arrival at the first speed of the place taken last."""
        return self.minutes[(self.next - 1) * len(self.speeds)]


def _line_day(on_day: PlaceForecast | None, zone: ZoneInfo) -> Json:
    """A checkpoint's expected and actual time on the day, from the stage's forecast (every
    key always, in `RunSheetLine`'s order)."""
    if on_day is None:
        return {"expected": None, "actual": None, "delay_minutes": None, "late": False}
    delay = on_day.delay_minutes
    return {
        "expected": to_minute(on_day.expected, zone) if on_day.expected else None,
        "actual": on_day.actual.astimezone(zone) if on_day.actual else None,
        "delay_minutes": round(float(delay), 1) if delay is not None else None,
        "late": on_day.late,
    }


def _measure_day(
    forecast: StageForecast | None, measure_id: int, km: float | None, zone: ZoneInfo
) -> Json:
    """A measure's passage on the day: expected ahead, interpolated once passed, and whether
    it leaves the measure's window (the same figures as `/live`)."""
    if forecast is None or km is None:
        return {"expected": None, "actual": None, "at_risk": False}
    window = next((w for w in forecast.windows if w.window.id == measure_id), None)
    passage, passed = (
        (window.passage, window.passed)
        if window is not None
        else (forecast.passage(km), forecast.behind(km))
    )
    moment = to_minute(passage, zone) if passage is not None else None
    return {
        "expected": None if passed else moment,
        "actual": moment if passed else None,
        "at_risk": window is not None and window.at_risk,
    }


def _planned(times: list[Json], speeds_kmh: list[float]) -> str | None:
    """The time at the stage's reference speed, which the day's figures are compared with."""
    if not speeds_kmh:
        return None
    speed = reference_speed(speeds_kmh)
    return next((t["arrive"] for t in times if t["speed_kmh"] == speed), None)


def _measure(row: Record, place: Record | None, visible: bool, today: dt.date) -> Json:
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
    return shown_fields(row, place=(km, lat, lon), person=person, partner=partner, on=today)


def last_changed(found: StageVersions) -> dt.datetime:
    """The latest change to the stage or anything its sheet shows."""
    changes = [found.stage.updated_at]
    for part in ("checkpoints", "measures", "team", "riders", "team_people", "rider_people"):
        changes.append(found.newest(part))
    changes.append(found.newest("tombstones"))
    changes.append(found.stage.day_changed_at)  # its day: a log entry, the actual track
    if found.route is not None:
        changes += [found.route.uploaded_at, found.route.reported_at, found.route.finalized_at]
    newest: dt.datetime = max(c for c in changes if c is not None)
    return newest


def _route_keys(
    stage: Row, route: CurrentRoute, marks: list[Record]
) -> tuple[VersionKey, tuple[Any, ...]]:
    """The keys of a route line's hazards and of its legs between the stage's boundary
    checkpoints (the line's version, the marks and the end names)."""
    key = version_key(route.id, route.sha256, route.uploaded_at)
    names = (stage.start_place or "Start", stage.finish_place or "Mål")
    return key, (key, tuple((m.id, m.kind, m.km, m.name) for m in marks), names)


def needs_line(stage: Row, route: CurrentRoute, marks: list[Record], with_hazards: bool) -> bool:
    """Whether the stage's sheet needs its route's full line: its legs (or its hazards,
    when shown) are not kept. A stage whose line and checkpoints did not change does not
    read it at all."""
    key, legs_key = _route_keys(stage, route, marks)
    return _legs.get(legs_key) is None or (with_hazards and _hazards.get(key) is None)


def _along_route(
    stage: Row,
    route: CurrentRoute,
    marks: list[Record],
    with_hazards: bool,
    read_line: Callable[[], Row],
) -> tuple[list[Leg], list[HazardPublic]]:
    """The legs (with distance and climb) and hazards of the current route's line; the
    line (`read_line`: its stored row) is read and decoded only when one of them is not
    kept."""
    key, legs_key = _route_keys(stage, route, marks)

    def line() -> Line:
        row = read_line()
        return decode_line(key, row.geometry, row.point_times, row.segment_starts)

    bounds = [leg_rules.Mark(id=m.id, kind=m.kind, km=m.km, name=m.name) for m in marks]
    names = legs_key[2]
    hazards = _hazards.get_or_make(key, lambda: hazard_items(line())) if with_hazards else []
    return _legs.get_or_make(legs_key, lambda: legs_along(bounds, line(), *names)), hazards


# The JSON of a stage's sheet is written straight from plain values (dicts and lists in the
# field order of `StageRunSheet`, with the few nested models it shows as they are): the same
# bytes as `StageRunSheet(...).model_dump_json()`, without validating some 100 models per
# stage. Every value has the type its field declares (floats as floats), and non-finite
# floats become null as pydantic writes them; tests/runsheet/test_stage_json.py reads every
# fragment back into the models and checks that they write it byte for byte.
def _clock_json(times: _Times) -> list[Json]:
    arrive, depart = times.take()
    return [
        {"speed_kmh": s, "arrive": a, "depart": d}
        for s, a, d in zip(times.speeds, arrive, depart, strict=True)
    ]


def _day_json(made: StageForecast, zone: ZoneInfo, ridden_m: float | None) -> Json:
    finish = made.finish
    return {
        "status": made.status,
        "expected_start": to_minute(made.expected_start, zone)
        if made.expected_start is not None and made.started_at is None
        else None,
        "started_at": made.started_at.astimezone(zone) if made.started_at else None,
        "delay_minutes": round(float(made.delay_minutes), 1)
        if made.delay_minutes is not None
        else None,
        "finish_expected": to_minute(finish.expected, zone) if finish.expected else None,
        "finish_actual": finish.actual.astimezone(zone) if finish.actual else None,
        "ridden_m": _float(ridden_m),
    }


def _overdue(stage: Row, shown_measures: list[Json]) -> tuple[OverdueMeasure, ...]:
    return tuple(
        OverdueMeasure(
            measure_id=m["id"],
            stage_id=stage.id,
            sequence=stage.sequence,
            county=stage.county,
            title=m["title"],
            kind=m["kind"],
            due_date=m["due_date"],
            status=m["status"],
        )
        for m in shown_measures
        if m["overdue"] and m["due_date"] is not None
    )


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _in_time_order(
    measured: list[tuple[Json, float | None, float | None]],
    times: _Times | None,
    forecast: StageForecast | None,
    zone: ZoneInfo,
) -> list[tuple[Json, list[Json], Json]]:
    """Each measure with its clock times and its day, in time order: its own start, else
    its arrival at the first speed, else last (the clock times taken in `measured`'s
    order)."""
    timed = []
    for public, km, at_km in measured:
        clocks: list[Json] = []
        at = math.inf
        if times is not None and km is not None:
            clocks = _clock_json(times)
            at = times.first_arrival() * 60.0 if clocks else at
        if public["starts_at"] is not None:
            at = public["starts_at"].timestamp()
        timed.append((at, (public, clocks, _measure_day(forecast, public["id"], at_km, zone))))
    timed.sort(key=lambda m: m[0])
    return [row for _, row in timed]


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
    read_line: Callable[[], Row],
) -> Fragment:
    """One stage's sheet from its rows (`gather.contents`), as JSON: the itinerary at each
    planned speed, legs, measures in time order, hazards, and on the day expected and
    actual. `read_line`: the current route's stored line (read only when needed)."""
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
    speeds = [float(s) for s in stage.speeds_kmh]
    warnings = []
    if route is None:
        warnings.append("no_route: upload a route to get distances and times")
    if start is None:
        warnings.append("no_start_time: set start_time to get clock times")
    table = Timetable(start, stops) if start is not None and route is not None else None
    found_legs, hazards = (
        _along_route(stage, route, rows.marks.get(stage_id, []), with_hazards, read_line)
        if route is not None
        else ([], [])
    )
    measured = []
    for row in rows.measures.get(stage_id, []):
        place = by_id.get(row.checkpoint_id) if row.checkpoint_id is not None else None
        public = _measure(row, place, visible, today)
        untimed = public["starts_at"] is None and public["km"] is not None
        at_km = place.km if place is not None else row.km
        measured.append((public, at_km if untimed else None, at_km))
    # Every clock time of the stage, asked in the order they are taken below.
    asked: list[tuple[float, int]] = []
    if table is not None:
        asked += [(c.km, c.dwell_minutes) for c in points if c.km is not None]
        asked += [(distance_km, 0)] if distance_km is not None else []
        for leg in found_legs:
            here = sum(s.dwell_minutes for s in stops if s.km == leg.km_from)
            asked += [(leg.km_from, here), (leg.km_to, 0)]
        asked += [(km, 0) for _, km, _ in measured if km is not None]
    times = _Times(table, asked, speeds, zone) if table is not None else None
    # The first forecast of each checkpoint (reversed: the first one is written last).
    places = {p.place.id: p for p in reversed(forecast.places)} if forecast is not None else {}
    lines = []
    for c in points:
        clocks = _clock_json(times) if times is not None and c.km is not None else []
        lines.append(
            {
                "checkpoint_id": c.id,
                "name": c.name,
                "kind": c.kind,
                "km": round(c.km, 3) if c.km is not None else None,
                "km_to_go": max(round(distance_km - c.km, 3), 0.0) + 0.0  # never -0.0
                if distance_km is not None and c.km is not None
                else None,
                "dwell_minutes": c.dwell_minutes,
                "times": clocks,
                "planned": _planned(clocks, speeds),
                **_line_day(places.get(c.id), zone),
            }
        )
    finish = _clock_json(times) if times is not None and distance_km is not None else []
    legs: list[Json] = []
    for leg in found_legs:
        leg_times = []
        if times is not None:
            _, begins = times.take()
            ends, _ = times.take()
            leg_times = [
                {"speed_kmh": s, "start": b, "end": e}
                for s, b, e in zip(speeds, begins, ends, strict=True)
            ]
        legs.append(
            {
                "key": leg.key,
                "number": leg.number,
                "from_name": leg.from_name,
                "to_name": leg.to_name,
                "km_from": leg.km_from,
                "km_to": leg.km_to,
                "distance_m": leg.distance_m,
                "ascent_m": leg.ascent_m,
                "descent_m": leg.descent_m,
                "times": leg_times,
            }
        )
    measure_rows = _in_time_order(measured, times, forecast, zone)
    sheet = {
        "stage_id": stage.id,
        "sequence": stage.sequence,
        "county": stage.county,
        "name": stage.name,
        "date": stage.date,
        "start_place": stage.start_place,
        "finish_place": stage.finish_place,
        "starts_at": start.astimezone(zone) if start else None,
        "speeds_kmh": speeds,
        "route_version": route.number if route is not None else None,
        "route_status": route.status if route is not None else None,
        "distance_m": _float(stats["distance_m"]) if stats is not None else None,
        "ascent_m": _float(stats["ascent_m"]) if stats is not None else None,
        "descent_m": _float(stats["descent_m"]) if stats is not None else None,
        "lines": lines,
        "finish": finish,
        "legs": legs,
        "measures": [
            {"measure": public, "times": clocks, **day} for public, clocks, day in measure_rows
        ],
        "hazards": hazards,
        "transfer_after": stage.transfer_after,
        "contacts": contacts,
        "warnings": warnings,
        "day": _day_json(forecast, zone, stage.ridden_m) if forecast is not None else None,
        "last_changed": last_changed(found),
    }
    return Fragment(
        piece=Piece(pydantic_core.to_json(sheet, inf_nan_mode="null")),
        overdue=_overdue(stage, [public for public, _, _ in measure_rows]),
    )
