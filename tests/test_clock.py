"""The one clock's day: the date it is in the tour's own zone, not the server's."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sykkelturen.clock import today_in

LATE_EVENING_UTC = dt.datetime(2026, 6, 3, 22, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Oslo", dt.date(2026, 6, 4)),  # 00:30 CEST: already the next day
        ("UTC", dt.date(2026, 6, 3)),
        ("America/New_York", dt.date(2026, 6, 3)),  # 18:30 EDT
        ("Pacific/Auckland", dt.date(2026, 6, 4)),  # 10:30 NZST
        (ZoneInfo("Europe/Oslo"), dt.date(2026, 6, 4)),
    ],
)
def test_the_day_is_the_tours_zones(zone: str | ZoneInfo, expected: dt.date) -> None:
    assert today_in(zone, LATE_EVENING_UTC) == expected


def test_without_now_the_system_clock_counts() -> None:
    before = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("Europe/Oslo")).date()
    assert today_in("Europe/Oslo") in {before, before + dt.timedelta(days=1)}
