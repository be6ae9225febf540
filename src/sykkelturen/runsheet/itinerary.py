"""The timed itinerary, pure arithmetic: when the relay passes each place at each planned
speed, counting the planned stops at earlier places.

At speed v (km/h), a place at km k is reached at
    start + k / v hours + the dwell minutes of every stop before km k,
and left after its own dwell. The finish is reached at start + distance / v + all dwells
before it.
"""

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stop:
    km: float
    dwell_minutes: int


@dataclass(frozen=True)
class Passage:
    speed_kmh: float
    arrive: dt.datetime
    depart: dt.datetime


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


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MINUTE_US = 60_000_000


class Timetable:
    """`arrival` (to the minute) of every place of a stage at every speed at once: the
    stops sorted once, the dwell before each km found by bisection, the arithmetic in
    integer microseconds."""

    def __init__(self, start: dt.datetime, stops: list[Stop]) -> None:
        ordered = sorted(stops, key=lambda s: s.km)
        self.start = start
        self.kms = [s.km for s in ordered]
        self.dwell = list(itertools.accumulate((s.dwell_minutes for s in ordered), initial=0))
        self._start_us = (start - EPOCH) // dt.timedelta(microseconds=1)

    def minutes(
        self, kms: list[float], dwells: list[int], speeds: list[float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Arrival and departure (after each place's own dwell) at every km and speed, as
        minutes since the epoch rounded to the nearest (`clock.to_minute`, in UTC, which
        every whole-minute zone shares), shape (places, speeds)."""
        km = np.asarray(kms, dtype=float)[:, None]
        ride_us = np.rint(km / np.asarray(speeds, dtype=float)[None, :] * 3_600e6).astype(np.int64)
        before = np.asarray(self.dwell, dtype=np.int64)[np.searchsorted(self.kms, km[:, 0])]
        arrive_us = self._start_us + ride_us + (before * MINUTE_US)[:, None]
        depart_us = arrive_us + (np.asarray(dwells, dtype=np.int64) * MINUTE_US)[:, None]
        half = MINUTE_US // 2
        return (arrive_us + half) // MINUTE_US, (depart_us + half) // MINUTE_US
