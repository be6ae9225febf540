from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response, status

from sykkelturen.concurrency import IfMatch, read_tagged, tagged
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.pagination import Page, PageQuery
from sykkelturen.people import service
from sykkelturen.people.dependencies import PersonDep
from sykkelturen.people.models import PersonCreate, PersonPublic, PersonUpdate
from sykkelturen.people.problems import EmailTaken, PersonNotFound
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    InvalidCursor,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.riders import service as riders
from sykkelturen.security import CountyWriter, SignedIn
from sykkelturen.team import service as team

router = APIRouter(prefix="/people", tags=["people"])

READ_PROBLEMS = (Unauthorized, Forbidden, PersonNotFound, ValidationFailed)


@router.get(
    "",
    summary="List people (personal data)",
    description="National and reader tokens with the personal-data grant see everyone; county "
    "contacts the people of their own counties; others get 401/403.",
    responses=problem_responses(Unauthorized, Forbidden, InvalidCursor, ValidationFailed),
)
def list_people(
    session: SessionDep,
    actor: SignedIn,
    page: PageQuery,
    county: Annotated[str | None, Query(pattern=COUNTY_NUMBER_PATTERN)] = None,
    role: Annotated[
        str | None, Query(max_length=30, description="Holds this team or rider role.")
    ] = None,
    organisation: Annotated[
        str | None, Query(max_length=200, description="Exact, any case.")
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Part of the name.")
    ] = None,
) -> Page[PersonPublic]:
    # A role is a team or a rider role: both lie above people, so the router composes them.
    holders = None if role is None else sa.union(team.holders_of(role), riders.holders_of(role))
    rows, next_cursor = service.list_people(
        session, actor=actor, county=county, only=holders, organisation=organisation, q=q, page=page
    )
    return Page(items=[service.public(p) for p in rows], next_cursor=next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a person",
    responses=problem_responses(
        Unauthorized, Forbidden, UnknownReference, EmailTaken, ValidationFailed
    ),
)
def create_person(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    data: PersonCreate,
) -> PersonPublic:
    person = service.create_person(session, actor=actor, data=data)
    response.headers["Location"] = str(request.url_for("read_person", person_id=person.id))
    return tagged(response, service.public(person))


@router.get(
    "/{person_id}",
    summary="Read a person",
    responses={304: {"description": "Not modified"}, **problem_responses(*READ_PROBLEMS)},
)
def read_person(request: Request, response: Response, person: PersonDep) -> PersonPublic:
    return read_tagged(request, response, service.public(person))


@router.patch(
    "/{person_id}",
    summary="Update a person",
    responses=problem_responses(*WRITE_PROBLEMS, PersonNotFound, EmailTaken),
)
def update_person(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    person: PersonDep,
    data: PersonUpdate,
    if_match: IfMatch,
) -> PersonPublic:
    person = service.update_person(
        session, actor=actor, person=person, data=data, if_match=if_match
    )
    return tagged(response, service.public(person))
