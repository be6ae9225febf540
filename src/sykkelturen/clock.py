"""Time: what time it is, as one injectable thing, and clock times as plans show them.

The day-of log stamps entries with `now`, a stage-day token is checked against it, and the
live view computes from it; tests replace `app.state.clock` with a `FixedClock` to play a
day at any pace. Plans show times to the minute, in the tour's zone (`to_minute`)."""

import datetime as dt
from typing import Annotated, Protocol
from zoneinfo import ZoneInfo

from fastapi import Depends, Request


def today_in(zone: str | ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    """The date it is in a tour's zone (each tour carries its own, `Tour.time_zone`): what
    overdue measures, due follow-ups, "not ridden yet" and the day of the live view count
    from. `now` is the request's clock where one is injected, the system clock otherwise."""
    moment = now if now is not None else dt.datetime.now(dt.UTC)
    return moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)).date()


def to_minute(moment: dt.datetime, zone: ZoneInfo | dt.timezone) -> dt.datetime:
    """Plans are made to the minute: the nearest one, in the tour's zone."""
    return (moment + dt.timedelta(seconds=30)).replace(second=0, microsecond=0).astimezone(zone)


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until moved (tests)."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(get_clock)]
