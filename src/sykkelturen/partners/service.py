"""Partners: county-scoped organisations; their contact person is personal data."""

from collections.abc import Callable, Sequence

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.bodies import apply_patch
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.counties.service import get_county
from sykkelturen.db import contains_text, utcnow
from sykkelturen.pagination import PageParams, paginate
from sykkelturen.partners.models import (
    Partner,
    PartnerCreate,
    PartnerKind,
    PartnerPublic,
    PartnerUpdate,
)
from sykkelturen.partners.problems import PartnerNotFound, PartnerOfOtherCounty
from sykkelturen.people import service as people
from sykkelturen.people.models import Person
from sykkelturen.problems import referenced
from sykkelturen.security import Actor


def public(session: Session, actor: Actor, partner: Partner) -> PartnerPublic:
    person = session.get(Person, partner.contact_person_id) if partner.contact_person_id else None
    visible = actor.may_see_personal_data(partner.county)
    assert partner.id is not None
    return PartnerPublic(
        id=partner.id,
        county=partner.county,
        name=partner.name,
        kind=PartnerKind(partner.kind),
        contact_person=people.summary(person, actor, partner.county),
        contact_name=partner.contact_name if visible else None,
        contributes=partner.contributes,
        notes=partner.notes,
        version=partner.version,
        updated_at=partner.updated_at,
    )


def _resource(partner: Partner) -> audit.Resource:
    return audit.Resource(
        type="partner",
        id=str(partner.id),
        county=partner.county,
        person_id=partner.contact_person_id,
    )


def get_partner(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise PartnerNotFound(f"There is no partner {partner_id}.")
    return partner


def partner_for_county(session: Session, county: str, partner_id: int) -> Partner:
    """A partner a body names: unknown is 422, of another county too."""
    with referenced("partner"):
        partner = get_partner(session, partner_id)
    if partner.county != county:
        raise PartnerOfOtherCounty(
            f"Partner {partner_id} belongs to county {partner.county}, not {county}."
        )
    return partner


def _contact(session: Session, county: str, person_id: int | None) -> None:
    if person_id is not None:
        people.person_of_county(session, county, person_id)


def list_partners(
    session: Session,
    *,
    county: str | None,
    kind: PartnerKind | None,
    q: str | None,
    page: PageParams,
) -> tuple[list[Partner], str | None]:
    statement = select(Partner)
    if county is not None:
        statement = statement.where(Partner.county == county)
    if kind is not None:
        statement = statement.where(Partner.kind == kind)
    if q is not None:
        statement = statement.where(contains_text(col(Partner.name), q))
    return paginate(session, statement, page=page, order_by=[col(Partner.id)], key=lambda p: [p.id])


def create_partner(session: Session, *, actor: Actor, data: PartnerCreate) -> Partner:
    actor.require_county_write(data.county)
    with referenced("county"):
        get_county(session, data.county)
    _contact(session, data.county, data.contact_person_id)
    partner = Partner(**data.model_dump())
    session.add(partner)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(partner),
        after=public(session, actor, partner),
    )
    return partner


def update_partner(
    session: Session, *, actor: Actor, partner: Partner, data: PartnerUpdate, if_match: str
) -> Partner:
    actor.require_county_write(partner.county)
    before = public(session, actor, partner)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    _contact(session, partner.county, changes.get("contact_person_id"))
    apply_patch(partner, changes, required=("name", "kind"))
    partner.updated_at = utcnow()
    session.add(partner)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(partner),
        before=before,
        after=public(session, actor, partner),
    )
    return partner


Release = Callable[[Session, int], None]
"""What a layer above lets go of when a partner is deleted (measures clear it as their
responsible partner). The caller hands these in, so that partners import none of those
layers."""


def delete_partner(
    session: Session,
    *,
    actor: Actor,
    partner: Partner,
    if_match: str,
    releases: Sequence[Release],
) -> None:
    actor.require_county_write(partner.county)
    before = public(session, actor, partner)
    check_if_match(if_match, etag_of(before))
    assert partner.id is not None
    for release in releases:
        release(session, partner.id)
    session.delete(partner)
    session.flush()
    audit.record(session, actor=actor, action="delete", resource=_resource(partner), before=before)
