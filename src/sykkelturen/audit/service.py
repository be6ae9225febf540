from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlmodel import Session, col, select

from sykkelturen.audit.models import AuditEntry, RecordedById
from sykkelturen.pagination import PageParams, paginate
from sykkelturen.security import Actor


@dataclass(frozen=True)
class Resource:
    type: str
    id: str
    tour_id: int | None = None
    county: str | None = None
    person_id: int | None = None  # the person the write names, for export and erasure


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    if before is None:
        return {name: {"after": value} for name, value in (after or {}).items()}
    if after is None:
        return {name: {"before": value} for name, value in before.items()}
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    }


def _by_reference(value: Any) -> Any:
    """A snapshot with every embedded `RecordedById` (people) reduced to its id."""
    if isinstance(value, RecordedById):
        return {"id": value.id}
    if isinstance(value, BaseModel):
        return {name: _by_reference(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list | tuple):
        return [_by_reference(item) for item in value]
    if isinstance(value, dict):
        return {key: _by_reference(item) for key, item in value.items()}
    return value


def snapshot(body: BaseModel) -> dict[str, Any]:
    """What the audit log keeps of a representation (JSON values; people by id)."""
    jsonable: dict[str, Any] = to_jsonable_python(_by_reference(body))
    return jsonable


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    resource: Resource,
    before: BaseModel | None = None,
    after: BaseModel | None = None,
) -> AuditEntry:
    """Append one audit row for a write; callers pass public snapshots of the resource."""
    entry = AuditEntry(
        actor_role=actor.role,
        actor_name=actor.name,
        token_id=actor.token_id,
        request_id=actor.request_id,
        action=action,
        resource_type=resource.type,
        resource_id=resource.id,
        tour_id=resource.tour_id,
        county=resource.county,
        person_id=resource.person_id,
        changes=_changes(
            snapshot(before) if before is not None else None,
            snapshot(after) if after is not None else None,
        ),
    )
    session.add(entry)
    session.flush()
    return entry


def list_entries(
    session: Session,
    *,
    page: PageParams,
    resource_type: str | None,
    resource_id: str | None,
    tour_id: int | None,
    county: str | None,
    token_id: int | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[list[AuditEntry], str | None]:
    statement = select(AuditEntry)
    if resource_type is not None:
        statement = statement.where(AuditEntry.resource_type == resource_type)
    if resource_id is not None:
        statement = statement.where(AuditEntry.resource_id == resource_id)
    if tour_id is not None:
        statement = statement.where(AuditEntry.tour_id == tour_id)
    if county is not None:
        statement = statement.where(AuditEntry.county == county)
    if token_id is not None:
        statement = statement.where(AuditEntry.token_id == token_id)
    if since is not None:
        statement = statement.where(col(AuditEntry.at) >= since)
    if until is not None:
        statement = statement.where(col(AuditEntry.at) < until)
    return paginate(
        session,
        statement,
        page=page,
        order_by=[col(AuditEntry.id)],
        key=lambda e: [e.id],
        descending=True,
    )


def entries_naming(session: Session, person_id: int) -> list[AuditEntry]:
    return list(
        session.exec(
            select(AuditEntry).where(AuditEntry.person_id == person_id).order_by(col(AuditEntry.id))
        ).all()
    )


def scrub_person(session: Session, person_id: int) -> int:
    """Erasure: entries that named the person keep who did what and when, not the data."""
    entries = entries_naming(session, person_id)
    for entry in entries:
        entry.changes = {"erased": True}
        entry.person_id = None
        session.add(entry)
    return len(entries)
