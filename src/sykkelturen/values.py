"""Validated value types shared by several domains (dates and times, speeds, zones, contacts)."""

import datetime as dt
import re
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    WithJsonSchema,
)
from pydantic_extra_types.phone_numbers import PhoneNumberValidator

DEFAULT_TIME_ZONE = "Europe/Oslo"
DEFAULT_SPEEDS_KMH = [8.0, 10.0, 12.0]

# Ids are PostgreSQL `integer`s; a larger one names nothing and must not reach the database.
MAX_ID = 2**31 - 1

# Pydantic reads a number, or a string of digits, as a Unix timestamp, so `?date_to=0` or
# `"start_date": "0"` would quietly mean 1970-01-01. Dates and times on the wire are
# ISO 8601 text only: parsed here, before pydantic sees them.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


# Every instant must convert to UTC and back to any zone (offsets reach ±14 h; Python's
# datetime ends at year 1 and 9999): `9999-12-31T23:59:59-14:00` has no UTC equivalent.
EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=dt.UTC)

# Text as people type it: no control characters (C0, DEL, C1) and none of the two
# non-characters XML forbids, anywhere text is taken. Free text over several lines may
# hold line breaks and tabs (CRLF and CR arrive as LF).
_CONTROL = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF"
SINGLE_LINE_PATTERN = rf"^[^{_CONTROL}\t\n\r]*$"
MULTILINE_PATTERN = rf"^[^{_CONTROL}]*$"
_SINGLE_LINE = re.compile(rf"[{_CONTROL}\t\n\r\ud800-\udfff]")
_MULTILINE = re.compile(rf"[{_CONTROL}\ud800-\udfff]")


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """A description of the first character `text` may not hold, or None when it is clean."""
    found = (_MULTILINE if multiline else _SINGLE_LINE).search(text)
    if found is None:
        return None
    return f"U+{ord(found.group()):04X} at position {found.start()}"


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def refuse_control_characters(value: Any, *, multiline: bool = False, where: str = "") -> Any:
    """Check every string inside `value` (a string, list, dict or model); raise ValueError
    naming where the first bad character is. Multi-line text comes back with LF newlines."""
    if isinstance(value, str):
        bad = control_character(value, multiline=multiline)
        if bad is not None:
            kind = "a control character" if multiline else "a control character or line break"
            raise ValueError(f"{where or 'the text'} holds {kind} ({bad})")
        return normalise_newlines(value) if multiline else value
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            refuse_control_characters(item, where=path)
        elif isinstance(item, dict):
            stack.extend((f"{path}.{key}".lstrip("."), child) for key, child in item.items())
            stack.extend((f"{path} (a key)".lstrip(), key) for key in item if isinstance(key, str))
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((f"{path}.{index}".lstrip("."), child) for index, child in enumerate(item))
        elif isinstance(item, BaseModel):
            stack.extend(
                (f"{path}.{name}".lstrip("."), getattr(item, name))
                for name in type(item).model_fields
            )
    return value


# Free text that may run over several lines (newline and tab allowed), by field name in
# every body; every other text, nested ones included, is one line.
MULTILINE_FIELDS = frozenset(
    {
        "notes",
        "description",
        "contributes",
        "responsibilities",
        "comment",
        "caption",
        "offered",
        "outcome",
        "consent_purpose",
    }
)


def declare_plain_text(schema: dict[str, Any]) -> None:
    """JSON Schema `pattern`s saying what `refuse_control_characters` refuses, on every
    free-text property of a model's schema, so generated clients and fuzzers know."""
    for name, prop in schema.get("properties", {}).items():
        pattern = MULTILINE_PATTERN if name in MULTILINE_FIELDS else SINGLE_LINE_PATTERN
        for variant in [prop, *prop.get("anyOf", [])]:
            if variant.get("type") == "string" and not {"pattern", "format", "enum"} & set(variant):
                variant["pattern"] = pattern
            items = variant.get("items", {})
            if items.get("type") == "string" and not {"pattern", "format", "enum"} & set(items):
                items["pattern"] = SINGLE_LINE_PATTERN


def _parse_date(value: object) -> object:
    if isinstance(value, str):
        if not _ISO_DATE.match(value):
            raise ValueError("expected an ISO 8601 date such as 2026-06-01")
        return dt.date.fromisoformat(value)
    return value  # a date passes; anything else fails pydantic's own check


def _parse_datetime(value: object) -> object:
    if isinstance(value, str):
        if not _ISO_DATETIME.match(value):
            raise ValueError("expected an ISO 8601 date and time such as 2026-06-01T09:30+02:00")
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        _require_representable(value)
    return value


def _require_representable(moment: dt.datetime) -> None:
    try:
        # A time without offset is checked as if UTC: its zone (the tour's) is within a day.
        utc: dt.datetime | None = (
            moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        )
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError(
            f"must lie between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()} "
            "(as UTC), so that it has a time in every zone"
        )


IsoDate = Annotated[dt.date, BeforeValidator(_parse_date)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_parse_datetime)]
AwareIsoDateTime = Annotated[AwareDatetime, BeforeValidator(_parse_datetime)]
LocalTime = Annotated[
    dt.time,
    # A wall-clock time without offset: JSON Schema's `format: time` demands an offset.
    WithJsonSchema({"type": "string", "pattern": _LOCAL_TIME_PATTERN, "examples": ["09:30"]}),
]


def _sorted_unique(speeds: list[float]) -> list[float]:
    return sorted(set(speeds))


SpeedsKmh = Annotated[
    list[Annotated[float, Field(ge=3, le=30)]],
    Field(
        min_length=1,
        max_length=5,
        description="Planned riding speeds in km/h (rickshaws with passengers: about 8–12).",
        examples=[[8, 10, 12]],
    ),
    AfterValidator(_sorted_unique),
]


def _known_zone(name: str) -> str:
    if name not in available_timezones():
        raise ValueError(f"{name!r} is not an IANA time zone such as Europe/Oslo")
    return name


TimeZoneName = Annotated[
    str, Field(max_length=64, examples=[DEFAULT_TIME_ZONE]), AfterValidator(_known_zone)
]

PhoneE164 = Annotated[
    str,
    PhoneNumberValidator(default_region="NO", number_format="E164"),
    Field(
        description="Stored in E.164; Norwegian numbers without +47 are accepted.",
        examples=["+4791234567"],
    ),
]


class Contact(BaseModel):
    """A person to reach. Personal data: hidden from callers who may not see it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=declare_plain_text)

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: PhoneE164 | None = None
    role: str | None = Field(default=None, max_length=100, examples=["fylkeskontakt"])
