"""Press coverage of a stage: published items, public data (nobody is named but outlets
and partners)."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.bodies import apply_patch
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.coverage.models import (
    Coverage,
    CoverageCreate,
    CoverageKind,
    CoveragePartner,
    CoveragePublic,
    CoverageUpdate,
)
from sykkelturen.coverage.problems import CoverageNotFound, OutletUnknown, OutreachOfOtherStage
from sykkelturen.db import utcnow
from sykkelturen.partners import service as partners
from sykkelturen.partners.models import Partner, PartnerKind, PartnerRef
from sykkelturen.press.models import Outreach, PressContact
from sykkelturen.press.problems import OutreachNotFound
from sykkelturen.problems import referenced
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage


def partners_of(session: Session, coverage_ids: Sequence[int]) -> dict[int, list[PartnerRef]]:
    """The partners each item mentions, by name."""
    refs: dict[int, list[PartnerRef]] = {i: [] for i in coverage_ids}
    rows = session.exec(
        select(CoveragePartner.coverage_id, Partner)
        .join(Partner, col(Partner.id) == col(CoveragePartner.partner_id))
        .where(col(CoveragePartner.coverage_id).in_(coverage_ids))
        .order_by(col(Partner.name), col(Partner.id))
    ).all()
    for coverage_id, partner in rows:
        assert partner.id is not None
        refs[coverage_id].append(
            PartnerRef(id=partner.id, name=partner.name, kind=PartnerKind(partner.kind))
        )
    return refs


def to_public(item: Coverage, mentioned: list[PartnerRef]) -> CoveragePublic:
    assert item.id is not None
    return CoveragePublic(
        id=item.id,
        stage_id=item.stage_id,
        outreach_id=item.outreach_id,
        outlet=item.outlet,
        published_on=item.published_on,
        kind=CoverageKind(item.kind),
        link=item.link,
        headline=item.headline,
        partners=mentioned,
        version=item.version,
        updated_at=item.updated_at,
    )


def public(session: Session, item: Coverage) -> CoveragePublic:
    assert item.id is not None
    return to_public(item, partners_of(session, [item.id])[item.id])


def _resource(stage: Stage, item: Coverage) -> audit.Resource:
    return audit.Resource(
        type="coverage", id=str(item.id), tour_id=stage.tour_id, county=stage.county
    )


def of_stages(session: Session, stage_ids: Sequence[int]) -> list[Coverage]:
    return list(
        session.exec(
            select(Coverage)
            .where(col(Coverage.stage_id).in_(stage_ids))
            .order_by(col(Coverage.published_on), col(Coverage.id))
        ).all()
    )


def list_coverage(session: Session, stage: Stage) -> list[CoveragePublic]:
    assert stage.id is not None
    items = of_stages(session, [stage.id])
    mentioned = partners_of(session, [i.id for i in items if i.id is not None])
    return [to_public(i, mentioned[i.id]) for i in items if i.id is not None]


def get_coverage(session: Session, stage: Stage, item_id: int) -> Coverage:
    item = session.get(Coverage, item_id)
    if item is None or item.stage_id != stage.id:
        raise CoverageNotFound(f"Stage {stage.id} has no coverage item {item_id}.")
    return item


def _outreach(session: Session, stage: Stage, outreach_id: int) -> Outreach:
    entry = session.get(Outreach, outreach_id)
    if entry is None:
        with referenced("outreach_id"):
            raise OutreachNotFound(f"There is no outreach entry {outreach_id}.")
    if entry.stage_id != stage.id:
        raise OutreachOfOtherStage(
            f"Outreach entry {outreach_id} belongs to stage {entry.stage_id}, not {stage.id}."
        )
    return entry


def _outlet_of(session: Session, entry: Outreach) -> str:
    contact = session.get(PressContact, entry.press_contact_id) if entry.press_contact_id else None
    if contact is None:
        raise OutletUnknown("Name the `outlet`: the outreach entry names no press contact.")
    return contact.outlet


def _require_partners(session: Session, stage: Stage, partner_ids: list[int]) -> None:
    """The partners an item names are the stage county's (checked before anything is written)."""
    for partner_id in partner_ids:
        partners.partner_for_county(session, stage.county, partner_id)


def _set_partners(session: Session, item: Coverage, partner_ids: list[int]) -> None:
    for old in session.exec(
        select(CoveragePartner).where(CoveragePartner.coverage_id == item.id)
    ).all():
        session.delete(old)
    session.flush()
    assert item.id is not None
    for partner_id in sorted(set(partner_ids)):
        session.add(CoveragePartner(coverage_id=item.id, partner_id=partner_id))


def create_coverage(
    session: Session, *, actor: Actor, stage: Stage, data: CoverageCreate
) -> Coverage:
    actor.require_county_write(stage.county)
    outlet = data.outlet
    if data.outreach_id is not None:
        entry = _outreach(session, stage, data.outreach_id)
        outlet = outlet or _outlet_of(session, entry)
    if outlet is None:
        raise OutletUnknown("Name the `outlet`, or the `outreach_id` that led to the item.")
    _require_partners(session, stage, data.partner_ids)
    assert stage.id is not None
    item = Coverage(
        stage_id=stage.id,
        outreach_id=data.outreach_id,
        outlet=outlet,
        published_on=data.published_on,
        kind=data.kind,
        link=str(data.link) if data.link else None,
        headline=data.headline,
    )
    session.add(item)
    session.flush()
    _set_partners(session, item, data.partner_ids)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(stage, item),
        after=public(session, item),
    )
    return item


def update_coverage(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    item: Coverage,
    data: CoverageUpdate,
    if_match: str,
) -> Coverage:
    actor.require_county_write(stage.county)
    before = public(session, item)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("outreach_id") is not None:
        _outreach(session, stage, changes["outreach_id"])
    partner_ids = changes.pop("partner_ids", None)
    if partner_ids is not None:
        _require_partners(session, stage, partner_ids)
        _set_partners(session, item, partner_ids)
    if "link" in changes:
        changes["link"] = str(changes["link"]) if changes["link"] else None
    apply_patch(item, changes, required=("outlet", "published_on", "kind", "headline"))
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(stage, item),
        before=before,
        after=public(session, item),
    )
    return item


def delete_coverage(
    session: Session, *, actor: Actor, stage: Stage, item: Coverage, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    before = public(session, item)
    check_if_match(if_match, etag_of(before))
    session.delete(item)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_resource(stage, item), before=before
    )
