"""Validated value types shared by several domains (dates and times, speeds, zones, contacts)."""

import datetime as dt
import re
from typing import Annotated
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
        return dt.datetime.fromisoformat(value)
    return value


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

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: PhoneE164 | None = None
    role: str | None = Field(default=None, max_length=100, examples=["fylkeskontakt"])
