"""The timed itinerary, pure arithmetic: when the relay passes each place at each planned
speed, counting the planned stops at earlier places.

At speed v (km/h), a place at km k is reached at
    start + k / v hours + the dwell minutes of every stop before km k,
and left after its own dwell. The finish is reached at start + distance / v + all dwells
before it.
"""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Stop:
    km: float
    dwell_minutes: int


@dataclass(frozen=True)
class Passage:
    speed_kmh: float
    arrive: dt.datetime
    depart: dt.datetime


def reference_speed(speeds_kmh: list[float] | tuple[float, ...]) -> float:
    """The speed a stage's single planned time is given at (the day's "planned" beside
    expected and actual): the middle planned speed, the slower middle for an even count."""
    speeds = sorted(speeds_kmh)
    return speeds[(len(speeds) - 1) // 2]


def dwell_before(stops: list[Stop], km: float) -> dt.timedelta:
    return dt.timedelta(minutes=sum(s.dwell_minutes for s in stops if s.km < km))


def arrival(start: dt.datetime, stops: list[Stop], km: float, speed_kmh: float) -> dt.datetime:
    return start + dt.timedelta(hours=km / speed_kmh) + dwell_before(stops, km)


def passages(
    start: dt.datetime, stops: list[Stop], stop: Stop, speeds_kmh: list[float]
) -> list[Passage]:
    result = []
    for speed in speeds_kmh:
        arrive = arrival(start, stops, stop.km, speed)
        result.append(Passage(speed, arrive, arrive + dt.timedelta(minutes=stop.dwell_minutes)))
    return result


def finish_times(
    start: dt.datetime, stops: list[Stop], distance_km: float, speeds_kmh: list[float]
) -> list[Passage]:
    return [
        Passage(
            speed,
            arrival(start, stops, distance_km, speed),
            arrival(start, stops, distance_km, speed),
        )
        for speed in speeds_kmh
    ]
