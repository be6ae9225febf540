"""iCalendar documents (RFC 5545) as calendar apps read them, the one home of the rules
every calendar of the service keeps:

- times to the minute, in the tour's zone, with a rule-based `VTIMEZONE`: yearly RRULEs
  for standard and summer time, derived from the zone's own POSIX rule (for Europe/Oslo
  CET/CEST, last Sunday of March and of October). icalendar would generate a list of
  explicit dates (RDATE) instead, which vobject (Radicale and other Python CalDAV servers)
  reads an hour off in summer;
- an end is later than its start, or left out (RFC 5545 §3.6.1: no zero-length blocks);
  a day without a time is an all-day event ending the next day;
- `DTSTAMP` is the last change of what the event shows, not the time of the request, so
  an unchanged calendar is byte for byte the same and a poll can be answered with 304.
"""

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import cast

import icalendar

from sykkelturen.clock import to_minute

PRODID = "-//Norges Frivilligsentraler//Sykkelturen API//NO"
# How often subscribed calendars should look again (RFC 7986 REFRESH-INTERVAL and the
# older X-PUBLISHED-TTL that Outlook and Apple read).
REFRESH = dt.timedelta(hours=1)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date | None
    changed: dt.datetime
    location: str | None = None
    description: str | None = None
    categories: tuple[str, ...] = ()
    # Extra properties for programs (`X-…` names), each a moment written in UTC.
    moments: tuple[tuple[str, dt.datetime], ...] = ()


def _event(item: CalendarEvent, zone: zoneinfo.ZoneInfo) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.changed.astimezone(dt.UTC).replace(microsecond=0))
    event.add("summary", item.summary)
    if isinstance(item.start, dt.datetime):
        start = to_minute(item.start, zone)
        event.add("dtstart", start)
        if isinstance(item.end, dt.datetime) and to_minute(item.end, zone) > start:
            event.add("dtend", to_minute(item.end, zone))
    else:
        last = item.end if isinstance(item.end, dt.date) and item.end > item.start else None
        event.add("dtstart", item.start)
        event.add("dtend", last or item.start + dt.timedelta(days=1))
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    if item.categories:
        event.add("categories", list(item.categories))
    for name, moment in item.moments:
        event.add(name, icalendar.vDatetime(to_minute(moment, dt.UTC)))
    return event


def calendar(*, name: str, zone_key: str, events: list[CalendarEvent], lang: str) -> bytes:
    """A whole VCALENDAR: the zone's VTIMEZONE, then the events in the given order."""
    zone = zoneinfo.ZoneInfo(zone_key)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone_key)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    cal["x-sykkelturen-lang"] = lang
    timezone = vtimezone(zone_key)
    if timezone is not None:
        cal.add_component(timezone)
    for item in events:
        cal.add_component(_event(item, zone))
    if timezone is None:
        cal.add_missing_timezones()  # a zone whose rule we cannot state as RRULEs
    return bytes(cal.to_ical())


# --- VTIMEZONE from the zone's POSIX rule -------------------------------------------------

_NAME = r"(<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"([+-]?\d{1,2}(?::\d{2}){0,2})"
_RULE = r"M(\d{1,2})\.([1-5])\.([0-6])(?:/([+-]?\d{1,3}(?::\d{2}){0,2}))?"
_POSIX = re.compile(
    rf"^{_NAME}{_OFFSET}(?:{_NAME}{_OFFSET}?,{_RULE},{_RULE})?$",
)
_WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
Rule = tuple[str, str, str, str | None]  # month, week (5: last), weekday (0: Sunday), time


def _posix_rule(zone_key: str) -> str | None:
    """The POSIX TZ string at the end of the zone's TZif file (RFC 8536 footer)."""
    parts = zone_key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    for directory in zoneinfo.TZPATH:
        path = Path(directory, *parts)
        if path.is_file():
            data = path.read_bytes()
            break
    else:
        try:
            data = files("tzdata").joinpath("zoneinfo", *parts).read_bytes()
        except (FileNotFoundError, ModuleNotFoundError, IsADirectoryError):
            return None
    if not data.startswith(b"TZif"):
        return None
    return data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii", "replace")


def _seconds(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    pieces = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * (pieces[0] * 3600 + pieces[1] * 60 + pieces[2])


def _first(year: int, month: int, week: int, weekday: int) -> dt.date:
    """The `week`-th (5: last) `weekday` (0: Sunday) of a month."""
    first = dt.date(year, month, 1)
    day = first + dt.timedelta(days=(weekday - (first.isoweekday() % 7)) % 7)
    day += dt.timedelta(weeks=week - 1)
    while day.month != month:
        day -= dt.timedelta(weeks=1)
    return day


def _observance(
    kind: type[icalendar.cal.Component],
    *,
    name: str,
    offset_from: int,
    offset_to: int,
    rule: Rule | None,
) -> icalendar.cal.Component:
    component = kind()
    component.add("tzname", name.strip("<>"))
    component.add("tzoffsetfrom", dt.timedelta(seconds=offset_from))
    component.add("tzoffsetto", dt.timedelta(seconds=offset_to))
    if rule is None:
        component.add("dtstart", dt.datetime(1970, 1, 1))  # noqa: DTZ001 - floating, per RFC
        return component
    month, week, weekday, at = int(rule[0]), int(rule[1]), int(rule[2]), rule[3]
    time = dt.timedelta(seconds=_seconds(at) if at else 7200)
    start = dt.datetime.combine(_first(1970, month, week, weekday), dt.time()) + time
    component.add("dtstart", start)
    component.add(
        "rrule",
        {
            "freq": "YEARLY",
            "bymonth": month,
            "byday": f"{-1 if week == 5 else week}{_WEEKDAYS[weekday]}",
        },
    )
    return component


def vtimezone(zone_key: str) -> icalendar.Timezone | None:
    """A VTIMEZONE with yearly rules, or None when the zone's rule is not of that form
    (a julian-day rule, a transition time outside the day)."""
    rule = _posix_rule(zone_key)
    match = _POSIX.match(rule or "")
    if match is None:
        return None
    std_name, std_offset, dst_name, dst_offset = match.group(1, 2, 3, 4)
    standard = -_seconds(std_offset)  # POSIX counts west of Greenwich as positive
    timezone = icalendar.Timezone()
    timezone.add("tzid", zone_key)
    timezone.add("x-lic-location", zone_key)
    if dst_name is None:
        timezone.add_component(
            _observance(
                icalendar.TimezoneStandard,
                name=std_name,
                offset_from=standard,
                offset_to=standard,
                rule=None,
            )
        )
        return timezone
    summer = -_seconds(dst_offset) if dst_offset else standard + 3600
    begins = cast(Rule, match.group(5, 6, 7, 8))
    ends = cast(Rule, match.group(9, 10, 11, 12))
    for at in (begins[3], ends[3]):
        if at is not None and not 0 <= _seconds(at) < 86400:
            return None
    timezone.add_component(
        _observance(
            icalendar.TimezoneDaylight,
            name=dst_name,
            offset_from=standard,
            offset_to=summer,
            rule=begins,
        )
    )
    timezone.add_component(
        _observance(
            icalendar.TimezoneStandard,
            name=std_name,
            offset_from=summer,
            offset_to=standard,
            rule=ends,
        )
    )
    return timezone
