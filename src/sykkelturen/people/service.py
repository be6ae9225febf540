"""People: who may see and change them, export and erasure, and their calendar."""

import sqlalchemy as sa
from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.counties.service import get_county
from sykkelturen.db import contains_text, utcnow
from sykkelturen.pagination import PageParams, paginate
from sykkelturen.people.models import (
    Person,
    PersonCreate,
    PersonPublic,
    PersonSummary,
    PersonUpdate,
)
from sykkelturen.people.problems import EmailTaken, PersonNotFound
from sykkelturen.problems import Forbidden, Unauthorized, UnknownReference, referenced
from sykkelturen.security import ANONYMOUS, Actor
from sykkelturen.stages.models import Stage

# --- who may see personal data ----------------------------------------------------------


def require_personal_data_reader(actor: Actor) -> None:
    """People endpoints are personal data throughout."""
    if actor.role == ANONYMOUS:
        raise Unauthorized("People are personal data; send a token.")
    if actor.role == "reader" and not actor.personal_data:
        raise Forbidden("This reader token has no personal-data grant.")


def visible_counties(actor: Actor) -> frozenset[str] | None:
    """The counties whose people the caller sees; None means all."""
    require_personal_data_reader(actor)
    return actor.personal_data_counties


def summary(person: Person | None, actor: Actor, county: str) -> PersonSummary | None:
    """A person inside a team or rider list: only to callers who may see the county's people."""
    if person is None or not actor.may_see_personal_data(county):
        return None
    assert person.id is not None
    return PersonSummary(
        id=person.id,
        name=person.name,
        phone=person.phone,
        email=person.email,
        organisation=person.organisation,
    )


def public(person: Person) -> PersonPublic:
    return PersonPublic.model_validate(person, from_attributes=True)


def _resource(person: Person) -> audit.Resource:
    return audit.Resource(
        type="person", id=str(person.id), county=person.county, person_id=person.id
    )


# --- reading ------------------------------------------------------------------------------


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    allowed = visible_counties(actor)
    person = session.get(Person, person_id)
    if person is None or (allowed is not None and person.county not in allowed):
        # Another county's person is reported missing, not forbidden: nothing leaks.
        raise PersonNotFound(f"There is no person {person_id} you can see.")
    return person


def person_of_county(session: Session, county: str, person_id: int) -> Person:
    """A person a body names: unknown is 422, and another county's person answers exactly
    the same, so a write cannot find out who exists elsewhere (or where)."""
    person = session.get(Person, person_id)
    if person is None or person.county != county:
        raise UnknownReference(f"There is no person {person_id} in county {county}.")
    return person


def person_for_stage(session: Session, stage: Stage, person_id: int) -> Person:
    return person_of_county(session, stage.county, person_id)


def list_people(
    session: Session,
    *,
    actor: Actor,
    county: str | None,
    only: sa.Select[int | None] | sa.CompoundSelect[int | None] | None,
    organisation: str | None,
    q: str | None,
    page: PageParams,
) -> tuple[list[Person], str | None]:
    """One page of the people the actor may see; `only` keeps those whose ids that query
    selects (the ?role= filter: team and rider roles, which the router composes from the
    layers above people)."""
    allowed = visible_counties(actor)
    statement = select(Person)
    if county is not None:
        if allowed is not None and county not in allowed:
            raise Forbidden(f"This token may not see the people of county {county}.")
        statement = statement.where(Person.county == county)
    elif allowed is not None:
        statement = statement.where(col(Person.county).in_(sorted(allowed)))
    if organisation is not None:
        statement = statement.where(
            contains_text(col(Person.organisation), organisation, whole=True)
        )
    if q is not None:
        statement = statement.where(contains_text(col(Person.name), q))
    if only is not None:
        statement = statement.where(col(Person.id).in_(only))
    return paginate(session, statement, page=page, order_by=[col(Person.id)], key=lambda p: [p.id])


# --- writing ------------------------------------------------------------------------------


def _require_unique_email(
    session: Session, county: str, email: str | None, person_id: int | None = None
) -> None:
    if email is None:
        return
    existing = session.exec(
        select(Person).where(Person.county == county, Person.email == email)
    ).first()
    if existing is not None and existing.id != person_id:
        raise EmailTaken(
            f"{email} is already registered in county {county} as person {existing.id}."
        )


def create_person(session: Session, *, actor: Actor, data: PersonCreate) -> Person:
    actor.require_county_write(data.county)
    with referenced("county"):
        get_county(session, data.county)
    email = data.email.lower() if data.email else None
    _require_unique_email(session, data.county, email)
    person = Person(**data.model_dump(exclude={"email"}), email=email)
    session.add(person)
    session.flush()
    audit.record(
        session, actor=actor, action="create", resource=_resource(person), after=public(person)
    )
    return person


def update_person(
    session: Session, *, actor: Actor, person: Person, data: PersonUpdate, if_match: str
) -> Person:
    actor.require_county_write(person.county)
    before = public(person)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name") is None:
        changes.pop("name", None)
    if changes.get("pilot_trained") is None:
        changes.pop("pilot_trained", None)
    if changes.get("email"):
        changes["email"] = changes["email"].lower()
        _require_unique_email(session, person.county, changes["email"], person.id)
    for name, value in changes.items():
        setattr(person, name, value)
    person.updated_at = utcnow()
    session.add(person)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(person),
        before=before,
        after=public(person),
    )
    return person
