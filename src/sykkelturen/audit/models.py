"""Who changed what, when: one row per write, in the same transaction as the write."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from sykkelturen.db import UTCDateTime, json_column, utcnow


class RecordedById(BaseModel):
    """Something the audit log records by its id alone wherever another resource embeds it:
    a person inside a team member, a rider, an activity … Their personal data lives only in
    the person's own entries, which erasure scrubs; an entry of another resource keeps who
    was named, never their name, phone or e-mail."""

    id: int


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = SQLField(default=None, primary_key=True)
    at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_role: str = SQLField(max_length=20)
    actor_name: str = SQLField(max_length=200)
    token_id: int | None = SQLField(default=None, index=True)
    request_id: str | None = SQLField(default=None, max_length=64)
    action: str = SQLField(max_length=40)
    resource_type: str = SQLField(max_length=40)
    resource_id: str = SQLField(max_length=100)
    tour_id: int | None = SQLField(default=None, index=True)
    county: str | None = SQLField(default=None, max_length=2)
    person_id: int | None = SQLField(default=None, index=True, description="The person it names.")
    changes: dict[str, Any] = SQLField(default_factory=dict, sa_column=json_column())


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_role: str
    actor_name: str
    token_id: int | None
    request_id: str | None
    action: str = Field(examples=["create", "update", "delete", "revoke"])
    resource_type: str = Field(examples=["stage"])
    resource_id: str
    tour_id: int | None
    county: str | None
    person_id: int | None
    changes: dict[str, Any] = Field(
        description="Per changed field `{before, after}`; a create has only `after` values "
        "and a delete only `before` values."
    )
