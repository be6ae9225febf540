"""Expected times on the day, pure arithmetic: from a stage's plan and its day-of log,
when the bikes will reach every place still ahead, how late they run, and which time
windows they will miss. No database, no HTTP.

The rules (all times to the second; shown to the minute by callers):

- **Planned** times are the itinerary's at the stage's *reference speed*: the middle of
  its planned speeds (the slower middle for an even count), e.g. 10 km/h of 8/10/12.
- **Not started:** the start is expected at the planned start, or now once that has passed
  (the bikes wait), or when the bikes are ready from the stage before (`ready_at`), which
  ever is latest; everything after follows at the reference speed with the planned stops.
- **Started:** the *observed pace* is the km covered since the start over the moving time
  (elapsed minus pauses minus the planned stops already behind), bounded by the slowest
  and fastest planned speeds; under `MIN_KM_FOR_PACE` km it is the reference speed.
  A place ahead is expected at the last known position's time + the remaining km at that
  pace + the planned stops from the last position (its own included: a place is logged on
  arrival) to the place + the time paused since the last position (an open pause counts
  up to now).
- **Overdue:** the stage leader logs every handover and the arrival (*reporting places*);
  when the next reporting place's expected time has passed without its entry, everything
  ahead moves by that much: the bikes are not there yet.
- **Passed** places show their actual time (an entry at that checkpoint) and no estimate;
  a measure's window passed already gets its passage interpolated between entries.
- **Delay** is expected (or actual) minus planned; a handover expected more than
  `HANDOVER_LATE_MINUTES` late is flagged, and a window measure whose expected passage lies
  outside its window is flagged at risk.
- **Propagation:** a stage's expected finish (plus a transfer's fixed duration) is when its
  bikes are ready for the next stage, when that stage rides the same day or the transfer
  has a duration (`tour_forecasts`).
"""

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sykkelturen.stages.itinerary import Stop, arrival

HANDOVER_LATE_MINUTES = 10
MIN_KM_FOR_PACE = 1.0
KM_EPSILON = 0.001

START, PASS, HANDOVER, PAUSE, RESUME, ARRIVE, CANCEL = (
    "start",
    "pass",
    "handover",
    "pause",
    "resume",
    "arrive",
    "cancel",
)
REPORTING_KINDS = frozenset({"handover", "finish"})


@dataclass(frozen=True)
class Place:
    """A planned place of the stage: a checkpoint, or the route's end (`id` None)."""

    id: int | None
    name: str
    kind: str
    km: float
    dwell_minutes: int = 0


@dataclass(frozen=True)
class Plan:
    starts_at: dt.datetime
    speeds_kmh: tuple[float, ...]
    distance_km: float
    places: tuple[Place, ...]  # along the route; the last is the finish

    @property
    def reference_kmh(self) -> float:
        speeds = sorted(self.speeds_kmh)
        return speeds[(len(speeds) - 1) // 2]

    @property
    def stops(self) -> list[Stop]:
        return [Stop(km=p.km, dwell_minutes=p.dwell_minutes) for p in self.places]

    def planned(self, km: float) -> dt.datetime:
        return arrival(self.starts_at, self.stops, km, self.reference_kmh)


@dataclass(frozen=True)
class Event:
    """An entry of the effective log (superseded and retracted entries left out)."""

    id: int
    kind: str
    at: dt.datetime
    km: float | None = None
    checkpoint_id: int | None = None


@dataclass(frozen=True)
class Window:
    """A measure with a time window at a place on the route (a crossing with police)."""

    id: int
    km: float
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None


@dataclass(frozen=True)
class PlaceForecast:
    place: Place
    planned: dt.datetime
    expected: dt.datetime | None  # None once passed
    actual: dt.datetime | None
    passed: bool

    @property
    def best(self) -> dt.datetime | None:
        return self.actual or self.expected

    @property
    def delay_minutes(self) -> float | None:
        best = self.best
        return (best - self.planned).total_seconds() / 60 if best is not None else None

    @property
    def late(self) -> bool:
        delay = self.delay_minutes
        return self.place.kind == HANDOVER and delay is not None and delay > HANDOVER_LATE_MINUTES


@dataclass(frozen=True)
class WindowForecast:
    window: Window
    passage: dt.datetime | None
    passed: bool

    @property
    def at_risk(self) -> bool:
        w, at = self.window, self.passage
        if at is None:
            return False
        return (w.starts_at is not None and at < w.starts_at) or (
            w.ends_at is not None and at > w.ends_at
        )


@dataclass(frozen=True)
class StageForecast:
    status: str  # planned, waiting, riding, paused, arrived, cancelled
    pace_kmh: float
    pace_observed: bool
    started_at: dt.datetime | None
    expected_start: dt.datetime | None
    places: list[PlaceForecast]
    windows: list[WindowForecast] = field(default_factory=list)
    position_km: float = 0.0
    last_event: Event | None = None
    passage: Callable[[float], dt.datetime | None] = field(
        default=lambda _km: None, compare=False, repr=False
    )
    """When the bikes pass a km: expected ahead, interpolated between entries behind."""

    @property
    def finish(self) -> PlaceForecast:
        return self.places[-1]

    @property
    def next_handover(self) -> PlaceForecast | None:
        return next((p for p in self.places if not p.passed and p.place.kind == HANDOVER), None)

    @property
    def delay_minutes(self) -> float | None:
        """At the next place ahead (the finish once arrived)."""
        ahead = next((p for p in self.places if not p.passed), self.finish)
        return ahead.delay_minutes


def _minutes(value: float) -> dt.timedelta:
    return dt.timedelta(minutes=value)


def _pauses(events: list[Event], now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Pause → next resume intervals; an open pause lasts until now."""
    intervals = []
    began: dt.datetime | None = None
    for event in events:
        if event.kind == PAUSE and began is None:
            began = event.at
        elif event.kind == RESUME and began is not None:
            intervals.append((began, event.at))
            began = None
    if began is not None:
        intervals.append((began, max(began, now)))
    return intervals


def _overlap(
    intervals: list[tuple[dt.datetime, dt.datetime]], a: dt.datetime, b: dt.datetime
) -> dt.timedelta:
    total = dt.timedelta()
    for start, end in intervals:
        lo, hi = max(start, a), min(end, b)
        if hi > lo:
            total += hi - lo
    return total


def _dwell(plan: Plan, lo: float, hi: float, *, include_lo: bool) -> dt.timedelta:
    return _minutes(
        sum(
            p.dwell_minutes
            for p in plan.places
            if (p.km >= lo - KM_EPSILON if include_lo else p.km > lo + KM_EPSILON)
            and p.km < hi - KM_EPSILON
        )
    )


def _clamp(value: float, speeds: tuple[float, ...]) -> float:
    return min(max(value, min(speeds)), max(speeds))


def _interpolate(positions: list[Event], km: float) -> dt.datetime | None:
    """When the bikes passed km, between the known positions around it."""
    for before, after in itertools.pairwise(positions):
        assert before.km is not None
        assert after.km is not None
        if before.km - KM_EPSILON <= km <= after.km + KM_EPSILON:
            span = after.km - before.km
            fraction = (km - before.km) / span if span > KM_EPSILON else 0.0
            return before.at + (after.at - before.at) * fraction
    return None


def forecast(
    plan: Plan,
    events: list[Event],
    now: dt.datetime,
    *,
    windows: tuple[Window, ...] = (),
    ready_at: dt.datetime | None = None,
) -> StageForecast:
    events = sorted(events, key=lambda e: (e.at, e.id))
    reference = plan.reference_kmh
    if any(e.kind == CANCEL for e in events):
        return StageForecast(
            status="cancelled",
            pace_kmh=reference,
            pace_observed=False,
            started_at=None,
            expected_start=None,
            places=[PlaceForecast(p, plan.planned(p.km), None, None, False) for p in plan.places],
            windows=[WindowForecast(w, None, False) for w in windows],
            last_event=events[-1],
        )
    start = next((e for e in events if e.kind == START), None)
    if start is None:
        return _not_started(plan, now, windows, ready_at, events[-1] if events else None)

    start_km = start.km or 0.0
    positions = sorted(
        [e for e in events if e.km is not None and e.at >= start.at and e.kind != CANCEL],
        key=lambda e: (e.at, e.km or 0.0),
    )
    if not positions or positions[0].id != start.id:
        positions.insert(0, replace(start, km=start_km))
    last = positions[-1]
    assert last.km is not None
    pauses = _pauses(events, now)
    moving = (
        (last.at - start.at)
        - _overlap(pauses, start.at, last.at)
        - _dwell(plan, start_km, last.km, include_lo=True)
    )
    covered = last.km - start_km
    observed = covered >= MIN_KM_FOR_PACE and moving > dt.timedelta()
    pace = (
        _clamp(covered / (moving.total_seconds() / 3600), plan.speeds_kmh)
        if observed
        else reference
    )
    arrived = next((e for e in events if e.kind == ARRIVE), None)
    # The entry at each checkpoint (the earliest, should there be two).
    actual_at: dict[int | None, dt.datetime] = {
        e.checkpoint_id: e.at for e in reversed(events) if e.checkpoint_id is not None
    }

    paused_since = _overlap(pauses, last.at, now)

    def base(km: float) -> dt.datetime:
        assert last.km is not None
        return (
            last.at
            + dt.timedelta(hours=(km - last.km) / pace)
            + _dwell(plan, last.km, km, include_lo=True)
            + paused_since
        )

    ahead = [p for p in plan.places if arrived is None and p.km > last.km + KM_EPSILON]
    reporting = next((p for p in ahead if p.kind in REPORTING_KINDS or p is plan.places[-1]), None)
    lag = dt.timedelta()
    if reporting is not None and base(reporting.km) < now:
        lag = now - base(reporting.km)

    def expected(km: float) -> dt.datetime:
        return base(km) + lag

    places = []
    for place in plan.places:
        passed = arrived is not None or place not in ahead
        actual = actual_at.get(place.id) if passed else None
        if place.kind == START and passed and actual is None:
            actual = start.at
        if place is plan.places[-1] and arrived is not None:
            actual = arrived.at
        places.append(
            PlaceForecast(
                place=place,
                planned=plan.planned(place.km),
                expected=None if passed else expected(place.km),
                actual=actual,
                passed=passed,
            )
        )

    def behind(km: float) -> bool:
        assert last.km is not None
        return arrived is not None or km <= last.km + KM_EPSILON

    def passage(km: float) -> dt.datetime | None:
        return _interpolate(positions, km) if behind(km) else expected(km)

    window_forecasts = [WindowForecast(w, passage(w.km), behind(w.km)) for w in windows]
    position = (
        _position(plan, last, pace, now - paused_since - lag, reporting)
        if arrived is None
        else places[-1].place.km
    )
    status = "arrived" if arrived else ("paused" if _open(events) else "riding")
    return StageForecast(
        status=status,
        pace_kmh=pace,
        pace_observed=observed,
        started_at=start.at,
        expected_start=start.at,
        places=places,
        windows=window_forecasts,
        position_km=position,
        last_event=events[-1],
        passage=passage,
    )


def _open(events: list[Event]) -> bool:
    """Whether the last pause has no resume after it."""
    state = False
    for event in events:
        if event.kind == PAUSE:
            state = True
        elif event.kind == RESUME:
            state = False
    return state


def _position(plan: Plan, last: Event, pace: float, at: dt.datetime, cap: Place | None) -> float:
    """Where the bikes are at `at` (pauses and lag already taken off): from the last known
    position along the route at the pace, resting the planned stops, never beyond the next
    reporting place."""
    assert last.km is not None
    km, clock = last.km, last.at
    limit = cap.km if cap is not None else plan.places[-1].km
    for place in [p for p in plan.places if p.km >= last.km - KM_EPSILON] + [None]:
        target = place.km if place is not None else limit
        target = min(target, limit)
        ride = dt.timedelta(hours=max(target - km, 0.0) / pace)
        if at < clock + ride:
            return km + (at - clock).total_seconds() / 3600 * pace if at > clock else km
        km, clock = target, clock + ride
        if place is None or km >= limit - KM_EPSILON:
            return km
        clock += _minutes(place.dwell_minutes)
        if at < clock:
            return km
    return km


def _not_started(
    plan: Plan,
    now: dt.datetime,
    windows: tuple[Window, ...],
    ready_at: dt.datetime | None,
    last_event: Event | None,
) -> StageForecast:
    begin = max(plan.starts_at, ready_at or plan.starts_at)
    if now >= plan.starts_at:
        begin = max(begin, now)  # the bikes are waiting: the start is now at the earliest
    shift = begin - plan.starts_at
    places = [
        PlaceForecast(p, plan.planned(p.km), plan.planned(p.km) + shift, None, False)
        for p in plan.places
    ]
    return StageForecast(
        status="waiting" if now >= plan.starts_at else "planned",
        pace_kmh=plan.reference_kmh,
        pace_observed=False,
        started_at=None,
        expected_start=begin,
        places=places,
        windows=[WindowForecast(w, plan.planned(w.km) + shift, False) for w in windows],
        passage=lambda km: plan.planned(km) + shift,
        position_km=plan.places[0].km if plan.places and plan.places[0].kind == START else 0.0,
        last_event=last_event,
    )


@dataclass(frozen=True)
class StageDay:
    """What `tour_forecasts` needs of one stage, in national order."""

    stage_id: int
    date: dt.date
    plan: Plan | None  # None without a start time or route: nothing to forecast
    events: list[Event]
    windows: tuple[Window, ...] = ()
    transfer_minutes: int | None = None  # a fixed transfer to the next stage


def tour_forecasts(days: list[StageDay], now: dt.datetime) -> dict[int, StageForecast]:
    """Each stage's forecast, feeding each finish (plus a fixed transfer) into the next
    stage's start when that one rides the same day or the transfer has a duration."""
    result: dict[int, StageForecast] = {}
    ready: dt.datetime | None = None
    previous: StageDay | None = None
    for day in days:
        ready_at = None
        if (
            previous is not None
            and ready is not None
            and (previous.date == day.date or previous.transfer_minutes is not None)
        ):
            ready_at = ready
        ready = None
        if day.plan is not None:
            made = forecast(day.plan, day.events, now, windows=day.windows, ready_at=ready_at)
            result[day.stage_id] = made
            if made.status != "cancelled" and made.finish.best is not None:
                ready = made.finish.best + _minutes(day.transfer_minutes or 0)
        previous = day
    return result
