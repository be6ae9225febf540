from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from sykkelturen.concurrency import IfMatch, read_tagged, tagged
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.measures import service as measures
from sykkelturen.pagination import Page, PageQuery
from sykkelturen.partners import service
from sykkelturen.partners.models import (
    Partner,
    PartnerCreate,
    PartnerKind,
    PartnerPublic,
    PartnerUpdate,
)
from sykkelturen.partners.problems import PartnerNotFound
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    InvalidCursor,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import CountyWriter, CurrentActor
from sykkelturen.values import MAX_ID

router = APIRouter(prefix="/partners", tags=["partners"])

# What the layers above let go of when a partner is deleted (the router composes them, so
# that partners import none of those layers).
RELEASES: tuple[service.Release, ...] = (measures.clear_partner,)


def partner_or_404(
    session: SessionDep, partner_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Partner:
    return service.get_partner(session, partner_id)


PartnerDep = Annotated[Partner, Depends(partner_or_404)]


@router.get(
    "",
    summary="List partners (samskaping)",
    responses=problem_responses(InvalidCursor, ValidationFailed),
)
def list_partners(
    session: SessionDep,
    actor: CurrentActor,
    page: PageQuery,
    county: Annotated[str | None, Query(pattern=COUNTY_NUMBER_PATTERN)] = None,
    kind: PartnerKind | None = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Part of the name.")
    ] = None,
) -> Page[PartnerPublic]:
    rows, next_cursor = service.list_partners(session, county=county, kind=kind, q=q, page=page)
    return Page(items=[service.public(session, actor, p) for p in rows], next_cursor=next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a partner",
    responses=problem_responses(
        Unauthorized,
        Forbidden,
        UnknownReference,
        UnknownReference,
        ValidationFailed,
    ),
)
def create_partner(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    data: PartnerCreate,
) -> PartnerPublic:
    partner = service.create_partner(session, actor=actor, data=data)
    response.headers["Location"] = str(request.url_for("read_partner", partner_id=partner.id))
    return tagged(response, service.public(session, actor, partner))


@router.get(
    "/{partner_id}",
    summary="Read a partner",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(PartnerNotFound, ValidationFailed),
    },
)
def read_partner(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    partner: PartnerDep,
) -> PartnerPublic:
    return read_tagged(request, response, service.public(session, actor, partner))


@router.patch(
    "/{partner_id}",
    summary="Update a partner",
    responses=problem_responses(*WRITE_PROBLEMS, PartnerNotFound, UnknownReference),
)
def update_partner(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    partner: PartnerDep,
    data: PartnerUpdate,
    if_match: IfMatch,
) -> PartnerPublic:
    partner = service.update_partner(
        session, actor=actor, partner=partner, data=data, if_match=if_match
    )
    return tagged(response, service.public(session, actor, partner))


@router.delete(
    "/{partner_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a partner",
    responses=problem_responses(*WRITE_PROBLEMS, PartnerNotFound),
)
def delete_partner(
    session: SessionDep, actor: CountyWriter, partner: PartnerDep, if_match: IfMatch
) -> None:
    service.delete_partner(
        session, actor=actor, partner=partner, if_match=if_match, releases=RELEASES
    )
