"""Content for marketing a stage."""

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.bodies import apply_patch
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.content.models import (
    ContentCreate,
    ContentItem,
    ContentKind,
    ContentPublic,
    ContentUpdate,
)
from sykkelturen.content.problems import ContentNotFound
from sykkelturen.db import utcnow
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage


def public(item: ContentItem) -> ContentPublic:
    assert item.id is not None
    return ContentPublic(
        id=item.id,
        stage_id=item.stage_id,
        kind=ContentKind(item.kind),
        link=item.link,
        caption=item.caption,
        credit=item.credit,
        consent_confirmed=item.consent_confirmed,
        published_at=item.published_at,
        published_where=item.published_where,
        version=item.version,
        updated_at=item.updated_at,
    )


def _resource(stage: Stage, item: ContentItem) -> audit.Resource:
    return audit.Resource(
        type="content", id=str(item.id), tour_id=stage.tour_id, county=stage.county
    )


def list_content(session: Session, stage: Stage) -> list[ContentItem]:
    return list(
        session.exec(
            select(ContentItem)
            .where(ContentItem.stage_id == stage.id)
            .order_by(col(ContentItem.id))
        ).all()
    )


def get_content(session: Session, stage: Stage, item_id: int) -> ContentItem:
    item = session.get(ContentItem, item_id)
    if item is None or item.stage_id != stage.id:
        raise ContentNotFound(f"Stage {stage.id} has no content {item_id}.")
    return item


def create_content(
    session: Session, *, actor: Actor, stage: Stage, data: ContentCreate
) -> ContentItem:
    actor.require_county_write(stage.county)
    assert stage.id is not None
    fields = data.model_dump()
    fields["link"] = str(data.link) if data.link else None
    item = ContentItem(stage_id=stage.id, **fields)
    session.add(item)
    session.flush()
    audit.record(
        session, actor=actor, action="create", resource=_resource(stage, item), after=public(item)
    )
    return item


def update_content(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    item: ContentItem,
    data: ContentUpdate,
    if_match: str,
) -> ContentItem:
    actor.require_county_write(stage.county)
    before = public(item)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    if "link" in changes:
        changes["link"] = str(changes["link"]) if changes["link"] else None
    apply_patch(item, changes, required=("kind", "consent_confirmed"))
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(stage, item),
        before=before,
        after=public(item),
    )
    return item


def delete_content(
    session: Session, *, actor: Actor, stage: Stage, item: ContentItem, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    before = public(item)
    check_if_match(if_match, etag_of(before))
    session.delete(item)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_resource(stage, item), before=before
    )
