"""Clock times as plans show them: to the minute, in the tour's zone."""

import datetime as dt
from zoneinfo import ZoneInfo


def to_minute(moment: dt.datetime, zone: ZoneInfo | dt.timezone) -> dt.datetime:
    """Plans are made to the minute: the nearest one, in the tour's zone."""
    return (moment + dt.timedelta(seconds=30)).replace(second=0, microsecond=0).astimezone(zone)
