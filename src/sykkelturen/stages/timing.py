"""How long riding takes at the planned speeds: the arithmetic duty warnings and
calendars share."""

import datetime as dt


def ride_duration(
    distance_m: float, speeds_kmh: list[float], dwell_minutes: int = 0
) -> dt.timedelta:
    """At the slowest planned speed (the longest the day can take), plus planned stops."""
    slowest = min(speeds_kmh)
    return dt.timedelta(hours=distance_m / 1000 / slowest, minutes=dwell_minutes)
