"""Press coverage (phase 5, report): what was published about a stage, linked to the
outreach that led to it where there was one, and to the partners it mentions."""

from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, UrlConstraints
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from sykkelturen.bodies import RequestBody
from sykkelturen.db import Versioned
from sykkelturen.partners.models import PartnerRef
from sykkelturen.values import MAX_ID, IsoDate, IsoDateTime


class CoverageKind(StrEnum):
    article = "article"
    interview = "interview"
    feature = "feature"
    news_brief = "news_brief"
    tv_segment = "tv_segment"
    radio_segment = "radio_segment"
    podcast = "podcast"
    social_post = "social_post"
    other = "other"


class Coverage(Versioned, table=True):
    __tablename__ = "press_coverage"

    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    outreach_id: int | None = SQLField(
        default=None,
        sa_column_args=[sa.ForeignKey("outreach.id", ondelete="SET NULL")],
        index=True,
    )
    outlet: str = SQLField(max_length=200)
    published_on: IsoDate
    kind: str = SQLField(max_length=20)
    link: str | None = SQLField(default=None, max_length=2000)
    headline: str = SQLField(max_length=500)


class CoveragePartner(SQLModel, table=True):
    """A partner the item mentions (for the partner's thank-you sheet)."""

    __tablename__ = "press_coverage_partner"

    coverage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("press_coverage.id", ondelete="CASCADE")],
        primary_key=True,
    )
    partner_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("partner.id", ondelete="CASCADE")],
        primary_key=True,
        index=True,
    )


PartnerIds = list[Annotated[int, Field(ge=1, le=MAX_ID)]]
Link = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)]


class CoverageCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    outreach_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The outreach entry that led to it."
    )
    outlet: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        examples=["Sunnmørsposten"],
        description="Default: the outlet of the outreach's press contact.",
    )
    published_on: IsoDate
    kind: CoverageKind
    link: Link | None = None
    headline: str = Field(
        min_length=1, max_length=500, examples=["Rickshawene kom til Valldal – 94-åring fikk tur"]
    )
    partner_ids: PartnerIds = Field(
        default_factory=list, max_length=20, description="Partners the item mentions."
    )


class CoverageUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    outreach_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    outlet: str | None = Field(default=None, min_length=1, max_length=200)
    published_on: IsoDate | None = None
    kind: CoverageKind | None = None
    link: Link | None = None
    headline: str | None = Field(default=None, min_length=1, max_length=500)
    partner_ids: PartnerIds | None = Field(default=None, max_length=20)


class CoveragePublic(BaseModel):
    id: int
    stage_id: int
    outreach_id: int | None
    outlet: str
    published_on: IsoDate
    kind: CoverageKind
    link: str | None
    headline: str
    partners: list[PartnerRef]
    version: int
    updated_at: IsoDateTime
