"""Expected times against cases worked out by hand.

The plan: start 11:00, 30 km at 8/10/12 km/h (reference 10 km/h), a rest at km 10 with
20 minutes, a handover at km 20, the finish at km 30. Planned: rest 12:00, handover 13:20,
finish 14:20.
"""

import datetime as dt

import pytest

from sykkelturen.live.expected import (
    Event,
    Place,
    Plan,
    StageDay,
    Window,
    forecast,
    tour_forecasts,
)

START = Place(1, "Start", "start", 0.0)
REST = Place(2, "Rast", "rest", 10.0, 20)
HANDOVER = Place(3, "Overlevering", "handover", 20.0)
FINISH = Place(4, "Mål", "finish", 30.0)
PLAN = Plan(
    starts_at=dt.datetime(2026, 6, 3, 11, 0, tzinfo=dt.UTC),
    speeds_kmh=(8.0, 10.0, 12.0),
    distance_km=30.0,
    places=(START, REST, HANDOVER, FINISH),
)


def t(hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2026-06-03T{hhmm}:00+00:00")


def hm(moment: dt.datetime | None) -> str | None:
    return moment.strftime("%H:%M:%S") if moment is not None else None


def ev(n: int, kind: str, hhmm: str, km: float | None = None, at: Place | None = None) -> Event:
    if at is not None:
        km = at.km
    return Event(n, kind, t(hhmm), km, at.id if at else None)


# (name, log, now, status, pace, expected rest, handover, finish — None once passed)
CASES = [
    (
        "not started, before the start: the plan",
        [],
        "10:30",
        "planned",
        10,
        "12:00:00",
        "13:20:00",
        "14:20:00",
    ),
    (
        "not started, 20 min past the start: waiting moves everything",
        [],
        "11:20",
        "waiting",
        10,
        "12:20:00",
        "13:40:00",
        "14:40:00",
    ),
    (
        "late start, no distance yet: reference speed",
        [ev(1, "start", "11:20", at=START)],
        "11:20",
        "riding",
        10,
        "12:20:00",
        "13:40:00",
        "14:40:00",
    ),
    (
        "10 km in 75 min: 8 km/h; the rest's 20 min still ahead",
        [ev(1, "start", "11:00", at=START), ev(2, "pass", "12:15", at=REST)],
        "12:15",
        "riding",
        8,
        None,
        "13:50:00",
        "15:05:00",
    ),
    (
        "10 km in 30 min is 20 km/h: bounded by the fastest, 12 km/h",
        [ev(1, "start", "11:00", at=START), ev(2, "pass", "11:30", at=REST)],
        "11:30",
        "riding",
        12,
        None,
        "12:40:00",
        "13:30:00",
    ),
    (
        "a pause before the last position is not moving time",
        [
            ev(1, "start", "11:00", at=START),
            ev(2, "pause", "11:30"),
            ev(3, "resume", "11:45"),
            ev(4, "pass", "12:15", at=REST),
        ],
        "12:15",
        "riding",
        10,
        None,
        "13:35:00",
        "14:35:00",
    ),
    (
        "a pause after the last position moves what is ahead",
        [
            ev(1, "start", "11:00", at=START),
            ev(2, "pass", "12:00", at=REST),
            ev(3, "pause", "12:30"),
            ev(4, "resume", "12:45"),
        ],
        "12:50",
        "riding",
        10,
        None,
        "13:35:00",
        "14:35:00",
    ),
    (
        "an open pause counts up to now",
        [
            ev(1, "start", "11:00", at=START),
            ev(2, "pass", "12:00", at=REST),
            ev(3, "pause", "12:30"),
        ],
        "13:00",
        "paused",
        10,
        None,
        "13:50:00",
        "14:50:00",
    ),
    (
        "the handover overdue without an entry: everything ahead moves to now",
        [ev(1, "start", "11:00", at=START), ev(2, "pass", "12:00", at=REST)],
        "13:40",
        "riding",
        10,
        None,
        "13:40:00",
        "14:40:00",
    ),
    (
        "a lat/lon pass between places: 15 km in 100 min less 20 min rest = 11.25 km/h",
        [ev(1, "start", "11:00", at=START), ev(2, "pass", "12:40", km=15.0)],
        "12:40",
        "riding",
        11.25,
        None,
        "13:06:40",
        "14:00:00",
    ),
    (
        "arrived: 30 km in 220 min less the 20 min rest is 9 km/h; nothing ahead",
        [
            ev(1, "start", "11:00", at=START),
            ev(2, "handover", "13:30", at=HANDOVER),
            ev(3, "arrive", "14:40", at=FINISH),
        ],
        "14:45",
        "arrived",
        9,
        None,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("log", "now", "status", "pace", "rest", "handover", "finish"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_expected_times(
    log: list[Event],
    now: str,
    status: str,
    pace: float,
    rest: str | None,
    handover: str | None,
    finish: str | None,
) -> None:
    result = forecast(PLAN, log, t(now))
    assert result.status == status
    assert result.pace_kmh == pytest.approx(pace)
    assert [hm(p.expected) for p in result.places[1:]] == [rest, handover, finish]


def test_passed_places_show_their_actual_time_and_delay() -> None:
    log = [
        ev(1, "start", "11:05", at=START),
        ev(2, "handover", "13:30", at=HANDOVER),
        ev(3, "arrive", "14:40", at=FINISH),
    ]
    result = forecast(PLAN, log, t("14:45"))
    assert [hm(p.actual) for p in result.places] == ["11:05:00", None, "13:30:00", "14:40:00"]
    assert all(p.passed for p in result.places)
    assert result.finish.delay_minutes == 20
    assert result.delay_minutes == 20
    # 10 minutes late at the handover is not yet flagged; the limit is "more than 10".
    assert not result.places[2].late


def test_a_handover_expected_more_than_ten_minutes_late_is_flagged() -> None:
    log = [ev(1, "start", "11:00", at=START), ev(2, "pass", "12:15", at=REST)]
    result = forecast(PLAN, log, t("12:15"))
    handover = result.next_handover
    assert handover is not None
    assert handover.delay_minutes == 30
    assert handover.late


def test_a_window_left_by_the_expected_passage_is_at_risk() -> None:
    # Police at km 15 from 12:45 to 13:00; planned passage 12:50 (90 min + 20 min rest).
    crossing = Window(7, 15.0, t("12:45"), t("13:00"))
    planned = forecast(PLAN, [], t("10:00"), windows=(crossing,))
    assert hm(planned.windows[0].passage) == "12:50:00"
    assert not planned.windows[0].at_risk
    # At 8 km/h from the rest at 12:15: 12:15 + 20 min + 5 km / 8 km/h (37.5 min) = 13:12:30.
    late = forecast(
        PLAN,
        [ev(1, "start", "11:00", at=START), ev(2, "pass", "12:15", at=REST)],
        t("12:15"),
        windows=(crossing,),
    )
    assert hm(late.windows[0].passage) == "13:12:30"
    assert late.windows[0].at_risk


def test_a_window_already_passed_is_judged_on_the_interpolated_passage() -> None:
    crossing = Window(7, 15.0, t("12:45"), t("13:00"))
    log = [
        ev(1, "start", "11:00", at=START),
        ev(2, "pass", "12:00", at=REST),
        ev(3, "handover", "13:20", at=HANDOVER),
    ]
    result = forecast(PLAN, log, t("13:20"), windows=(crossing,))
    (window,) = result.windows
    assert window.passed
    assert hm(window.passage) == "12:40:00"
    assert window.at_risk


def test_position_is_extrapolated_along_the_route_resting_the_planned_stops() -> None:
    log = [ev(1, "start", "11:00", at=START)]
    assert forecast(PLAN, log, t("11:30")).position_km == pytest.approx(5.0)
    assert forecast(PLAN, log, t("12:10")).position_km == pytest.approx(10.0)  # resting
    assert forecast(PLAN, log, t("12:50")).position_km == pytest.approx(15.0)
    # Never beyond the next handover until it is logged.
    assert forecast(PLAN, log, t("14:00")).position_km == pytest.approx(20.0)


def test_a_cancelled_stage_expects_nothing() -> None:
    result = forecast(
        PLAN, [ev(1, "start", "11:00", at=START), ev(2, "cancel", "11:40")], t("12:00")
    )
    assert result.status == "cancelled"
    assert all(p.expected is None for p in result.places)


def test_delays_reach_the_next_stage_on_the_same_day_and_after_a_fixed_transfer() -> None:
    second = Plan(
        starts_at=t("14:30"),
        speeds_kmh=(10.0,),
        distance_km=10.0,
        places=(Place(11, "Start 2", "start", 0.0), Place(12, "Mål 2", "finish", 10.0)),
    )
    late_first = [ev(1, "start", "11:20", at=START)]  # finish expected 14:40
    day = dt.date(2026, 6, 3)
    same_day = tour_forecasts(
        [StageDay(1, day, PLAN, late_first), StageDay(2, day, second, [])], t("11:20")
    )
    assert hm(same_day[2].expected_start) == "14:40:00"
    assert hm(same_day[2].finish.expected) == "15:40:00"
    with_transfer = tour_forecasts(
        [StageDay(1, day, PLAN, late_first, transfer_minutes=30), StageDay(2, day, second, [])],
        t("11:20"),
    )
    assert hm(with_transfer[2].expected_start) == "15:10:00"
    next_day = tour_forecasts(
        [StageDay(1, day, PLAN, late_first), StageDay(2, dt.date(2026, 6, 4), second, [])],
        t("11:20"),
    )
    assert hm(next_day[2].expected_start) == "14:30:00"
