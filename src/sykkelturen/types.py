"""Validated value types shared by several domains (speeds, zones, contacts)."""

from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field
from pydantic_extra_types.phone_numbers import PhoneNumberValidator

DEFAULT_TIME_ZONE = "Europe/Oslo"
DEFAULT_SPEEDS_KMH = [8.0, 10.0, 12.0]


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
