"""What time it is, as one injectable thing: the day-of log stamps entries with it, a
stage-day token is checked against it, and the live view computes from it. Tests replace
`app.state.clock` with a `FixedClock` to play a day at any pace."""

import datetime as dt
from typing import Annotated, Protocol

from fastapi import Depends, Request


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
