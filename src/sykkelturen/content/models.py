"""Content for marketing (phase 4): photos, videos, articles and social posts of a stage."""

from enum import StrEnum

import sqlalchemy as sa
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField

from sykkelturen.bodies import RequestBody
from sykkelturen.db import UTCDateTime, Versioned
from sykkelturen.values import AwareIsoDateTime, IsoDateTime


class ContentKind(StrEnum):
    photo = "photo"
    video = "video"
    article = "article"
    social_post = "social_post"


class ContentItem(Versioned, table=True):
    __tablename__ = "content_item"

    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    kind: str = SQLField(max_length=20)
    link: str | None = SQLField(default=None, max_length=2000)
    caption: str | None = SQLField(default=None, max_length=2000)
    credit: str | None = SQLField(default=None, max_length=200)
    consent_confirmed: bool = False
    published_at: IsoDateTime | None = SQLField(default=None, sa_type=UTCDateTime)
    published_where: str | None = SQLField(default=None, max_length=200)


class ContentCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    kind: ContentKind
    link: AnyHttpUrl | None = None
    caption: str | None = Field(default=None, max_length=2000)
    credit: str | None = Field(
        default=None, max_length=200, examples=["Foto: Stordal frivilligsentral"]
    )
    consent_confirmed: bool = Field(default=False, description="The people shown have consented.")
    published_at: AwareIsoDateTime | None = Field(default=None, description="With offset.")
    published_where: str | None = Field(default=None, max_length=200, examples=["Sunnmørsposten"])


class ContentUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    kind: ContentKind | None = None
    link: AnyHttpUrl | None = None
    caption: str | None = Field(default=None, max_length=2000)
    credit: str | None = Field(default=None, max_length=200)
    consent_confirmed: bool | None = None
    published_at: AwareIsoDateTime | None = None
    published_where: str | None = Field(default=None, max_length=200)


class ContentPublic(BaseModel):
    id: int
    stage_id: int
    kind: ContentKind
    link: str | None
    caption: str | None
    credit: str | None
    consent_confirmed: bool
    published_at: IsoDateTime | None
    published_where: str | None
    version: int
    updated_at: IsoDateTime
