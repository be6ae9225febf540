"""Itinerary arithmetic against cases worked out by hand."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from sykkelturen.clock import to_minute
from sykkelturen.runsheet.itinerary import Stop, Timetable, arrival, finish_times, passages

START = dt.datetime(2026, 6, 3, 9, 30, tzinfo=dt.UTC)  # 11:30 in Oslo


def minutes(moment: dt.datetime) -> float:
    return (moment - START).total_seconds() / 60


def test_speed_alone() -> None:
    # 10 km at 10 km/h is an hour; at 8 km/h 75 minutes; at 12 km/h 50 minutes.
    assert [minutes(arrival(START, [], 10.0, v)) for v in (8, 10, 12)] == [75, 60, 50]


def test_dwell_at_earlier_places_counts_and_own_dwell_does_not() -> None:
    stops = [
        Stop(km=0, dwell_minutes=10),
        Stop(km=5, dwell_minutes=15),
        Stop(km=12, dwell_minutes=20),
    ]
    # km 5 at 10 km/h: 30 min riding + 10 min at the start.
    assert minutes(arrival(START, stops, 5, 10)) == 40
    (at_five,) = passages(START, stops, stops[1], [10])
    assert (minutes(at_five.arrive), minutes(at_five.depart)) == (40, 55)
    # km 12: 72 min riding + 10 + 15; its own 20 minutes come after.
    assert minutes(arrival(START, stops, 12, 10)) == 97


def test_finish_at_each_speed() -> None:
    stops = [Stop(km=6, dwell_minutes=30)]
    finishes = finish_times(START, stops, 24.0, [8, 12])
    # 24 km: 180 min at 8 km/h, 120 at 12, plus the 30-minute rest.
    assert [(f.speed_kmh, minutes(f.arrive)) for f in finishes] == [(8, 210), (12, 150)]


def test_a_stop_at_the_same_km_is_not_before_itself() -> None:
    stops = [Stop(km=3, dwell_minutes=10), Stop(km=3, dwell_minutes=5)]
    assert minutes(arrival(START, stops, 3, 12)) == 15
    assert minutes(arrival(START, stops, 3.5, 12)) == 32.5


def test_the_timetable_gives_the_minute_arrival_and_passages_give() -> None:
    """`Timetable.minutes` (a whole stage at once) agrees with `arrival` and `passages`
    shown to the minute, at places before, on and after stops, at uneven speeds."""
    zone = ZoneInfo("Europe/Oslo")
    rng = random.Random(15)  # noqa: S311 - reproducible cases, not secrets
    for _ in range(200):
        stops = [Stop(km=rng.uniform(0, 40), dwell_minutes=rng.randint(0, 30)) for _ in range(6)]
        places = [Stop(km=rng.uniform(0, 45), dwell_minutes=rng.randint(0, 20)) for _ in range(5)]
        places += [Stop(km=stops[0].km, dwell_minutes=stops[0].dwell_minutes)]
        speeds = [rng.uniform(5, 15) for _ in range(3)]
        start = START + dt.timedelta(seconds=rng.randint(0, 86_400))
        arrive, depart = Timetable(start, stops).minutes(
            [p.km for p in places], [p.dwell_minutes for p in places], speeds
        )
        for i, place in enumerate(places):
            expected = passages(start, stops, place, speeds)
            for j, passage in enumerate(expected):
                shown = dt.datetime.fromtimestamp(int(arrive[i, j]) * 60, zone)
                left = dt.datetime.fromtimestamp(int(depart[i, j]) * 60, zone)
                assert shown == to_minute(passage.arrive, zone)
                assert left == to_minute(passage.depart, zone)
