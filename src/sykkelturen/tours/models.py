"""Tours and the counties taking part in them, each with a date window and contacts."""

from typing import Any

import sqlalchemy as sa
from pydantic import ConfigDict, model_validator
from sqlmodel import Field, SQLModel

from sykkelturen.bodies import RequestBody
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import Versioned, json_column
from sykkelturen.values import (
    DEFAULT_SPEEDS_KMH,
    DEFAULT_TIME_ZONE,
    Contact,
    IsoDate,
    IsoDateTime,
    SpeedsKmh,
    TimeZoneName,
)


class TourBase(SQLModel):
    name: str = Field(min_length=1, max_length=200, schema_extra={"examples": ["Sykkelturen 2022"]})
    start_date: IsoDate
    end_date: IsoDate
    description: str | None = Field(default=None, max_length=5000)


class Tour(TourBase, Versioned, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    time_zone: str = Field(max_length=64)
    speeds_kmh: list[float] = Field(sa_column=json_column())


class TourCreate(RequestBody, TourBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    time_zone: TimeZoneName = Field(
        default=DEFAULT_TIME_ZONE, description="Local zone of the tour; fixed once created."
    )
    speeds_kmh: SpeedsKmh = Field(default_factory=lambda: list(DEFAULT_SPEEDS_KMH))

    @model_validator(mode="after")
    def _dates_in_order(self) -> "TourCreate":
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class TourUpdate(RequestBody, SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: str | None = Field(default=None, min_length=1, max_length=200)
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    description: str | None = Field(default=None, max_length=5000)
    speeds_kmh: SpeedsKmh | None = None


class TourPublic(TourBase):
    id: int
    year: int = Field(description="The year of start_date.")
    time_zone: str
    speeds_kmh: list[float]
    version: int
    created_at: IsoDateTime
    updated_at: IsoDateTime


class TourCounty(Versioned, table=True):
    __tablename__ = "tour_county"
    __table_args__ = (sa.UniqueConstraint("tour_id", "county"),)

    id: int | None = Field(default=None, primary_key=True)
    tour_id: int = Field(foreign_key="tour.id", index=True)
    county: str = Field(foreign_key="county.number", max_length=2)
    start_date: IsoDate
    end_date: IsoDate
    contacts: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())


class TourCountyWindow(SQLModel):
    start_date: IsoDate = Field(description="First day of the county's week(s).")
    end_date: IsoDate = Field(description="Last day, inclusive.")


class TourCountyCreate(RequestBody, TourCountyWindow):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    number: str = Field(schema_extra={"pattern": COUNTY_NUMBER_PATTERN, "examples": ["15"]})
    contacts: list[Contact] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _dates_in_order(self) -> "TourCountyCreate":
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class TourCountyUpdate(RequestBody, SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    contacts: list[Contact] | None = Field(default=None, max_length=20)


class TourCountyPublic(TourCountyWindow):
    tour_id: int
    number: str
    name: str = Field(description="The county's name.")
    contacts: list[Contact] | None = Field(
        description="County contacts; null when the caller may not see personal data."
    )
    version: int
    updated_at: IsoDateTime
