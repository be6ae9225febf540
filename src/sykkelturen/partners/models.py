"""Partners (samskaping): the municipality, volunteer centres, associations, businesses,
schools … that plan and produce the tour together with the county."""

from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField

from sykkelturen.bodies import RequestBody
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import Versioned
from sykkelturen.people.models import PersonSummary
from sykkelturen.values import MAX_ID, IsoDateTime


class PartnerKind(StrEnum):
    municipality = "municipality"
    volunteer_centre = "volunteer_centre"
    association = "association"
    business = "business"
    school = "school"
    care_home = "care_home"
    media = "media"
    other = "other"


class Partner(Versioned, table=True):
    id: int | None = SQLField(default=None, primary_key=True)
    county: str = SQLField(foreign_key="county.number", max_length=2, index=True)
    name: str = SQLField(max_length=200)
    kind: str = SQLField(max_length=30)
    contact_person_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("person.id", ondelete="SET NULL")]
    )
    contact_name: str | None = SQLField(default=None, max_length=200)
    contributes: str | None = SQLField(default=None, max_length=2000)
    notes: str | None = SQLField(default=None, max_length=5000)


class PartnerCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    county: str = Field(pattern=COUNTY_NUMBER_PATTERN, examples=["15"])
    name: str = Field(min_length=1, max_length=200, examples=["Fjord kommune"])
    kind: PartnerKind
    contact_person_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="A person of the county …"
    )
    contact_name: str | None = Field(default=None, max_length=200, description="… or just a name.")
    contributes: str | None = Field(
        default=None, max_length=2000, examples=["Stenger vegen ved rundkjøringen"]
    )
    notes: str | None = Field(default=None, max_length=5000)


class PartnerUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: PartnerKind | None = None
    contact_person_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    contact_name: str | None = Field(default=None, max_length=200)
    contributes: str | None = Field(default=None, max_length=2000)
    notes: str | None = Field(default=None, max_length=5000)


class PartnerPublic(BaseModel):
    id: int
    county: str
    name: str
    kind: PartnerKind
    contact_person: PersonSummary | None = Field(
        description="Only for callers who may see the county's people."
    )
    contact_name: str | None = Field(
        description="Only for callers who may see the county's people."
    )
    contributes: str | None
    notes: str | None
    version: int
    updated_at: IsoDateTime


class PartnerRef(BaseModel):
    id: int
    name: str
    kind: PartnerKind
