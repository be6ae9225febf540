from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from sykkelturen.concurrency import IfMatch, read_tagged, tagged
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.pagination import Page, PageQuery
from sykkelturen.press import service
from sykkelturen.press.models import (
    OutletKind,
    Outreach,
    OutreachCreate,
    OutreachPublic,
    OutreachUpdate,
    PressContact,
    PressContactCreate,
    PressContactPublic,
    PressContactUpdate,
)
from sykkelturen.press.problems import (
    OutreachNotFound,
    PressContactNotFound,
    PressContactOfOtherCounty,
)
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
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["press"])


def contact_or_404(
    session: SessionDep, contact_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> PressContact:
    return service.get_contact(session, contact_id)


ContactDep = Annotated[PressContact, Depends(contact_or_404)]


def outreach_or_404(
    session: SessionDep, stage: StageDep, entry_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Outreach:
    return service.get_outreach(session, stage, entry_id)


OutreachDep = Annotated[Outreach, Depends(outreach_or_404)]


@router.get(
    "/press-contacts",
    summary="List press contacts",
    responses=problem_responses(InvalidCursor, ValidationFailed),
)
def list_press_contacts(
    session: SessionDep,
    actor: CurrentActor,
    page: PageQuery,
    county: Annotated[str | None, Query(pattern=COUNTY_NUMBER_PATTERN)] = None,
    kind: OutletKind | None = None,
) -> Page[PressContactPublic]:
    rows, next_cursor = service.list_contacts(session, county=county, kind=kind, page=page)
    return Page(items=[service.contact_public(actor, c) for c in rows], next_cursor=next_cursor)


@router.post(
    "/press-contacts",
    status_code=status.HTTP_201_CREATED,
    summary="Add a press contact (e.g. the NRK district office or the local paper)",
    responses=problem_responses(Unauthorized, Forbidden, UnknownReference, ValidationFailed),
)
def create_press_contact(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    data: PressContactCreate,
) -> PressContactPublic:
    contact = service.create_contact(session, actor=actor, data=data)
    response.headers["Location"] = str(request.url_for("read_press_contact", contact_id=contact.id))
    return tagged(response, service.contact_public(actor, contact))


@router.get(
    "/press-contacts/{contact_id}",
    summary="Read a press contact",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(PressContactNotFound, ValidationFailed),
    },
)
def read_press_contact(
    request: Request, response: Response, actor: CurrentActor, contact: ContactDep
) -> PressContactPublic:
    return read_tagged(request, response, service.contact_public(actor, contact))


@router.patch(
    "/press-contacts/{contact_id}",
    summary="Update a press contact",
    responses=problem_responses(*WRITE_PROBLEMS, PressContactNotFound),
)
def update_press_contact(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    contact: ContactDep,
    data: PressContactUpdate,
    if_match: IfMatch,
) -> PressContactPublic:
    contact = service.update_contact(
        session, actor=actor, contact=contact, data=data, if_match=if_match
    )
    return tagged(response, service.contact_public(actor, contact))


@router.delete(
    "/press-contacts/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a press contact",
    responses=problem_responses(*WRITE_PROBLEMS, PressContactNotFound),
)
def delete_press_contact(
    session: SessionDep, actor: CountyWriter, contact: ContactDep, if_match: IfMatch
) -> None:
    service.delete_contact(session, actor=actor, contact=contact, if_match=if_match)


@router.get(
    "/stages/{stage_id}/outreach",
    summary="The stage's outreach log, follow-ups that are due flagged",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def list_outreach(session: SessionDep, stage: StageDep) -> Page[OutreachPublic]:
    # Tens per stage: always one page.
    return Page(
        items=[service.outreach_public(session, e) for e in service.list_outreach(session, stage)],
        next_cursor=None,
    )


@router.post(
    "/stages/{stage_id}/outreach",
    status_code=status.HTTP_201_CREATED,
    summary="Log an outreach to the press",
    responses=problem_responses(
        Unauthorized,
        Forbidden,
        StageNotFound,
        UnknownReference,
        PressContactOfOtherCounty,
        ValidationFailed,
    ),
)
def create_outreach(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    data: OutreachCreate,
) -> OutreachPublic:
    entry = service.create_outreach(session, actor=actor, stage=stage, data=data)
    response.headers["Location"] = str(
        request.url_for("read_outreach", stage_id=stage.id, entry_id=entry.id)
    )
    return tagged(response, service.outreach_public(session, entry))


@router.get(
    "/stages/{stage_id}/outreach/{entry_id}",
    summary="Read an outreach entry",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, OutreachNotFound, ValidationFailed),
    },
)
def read_outreach(
    request: Request, response: Response, session: SessionDep, entry: OutreachDep
) -> OutreachPublic:
    return read_tagged(request, response, service.outreach_public(session, entry))


@router.patch(
    "/stages/{stage_id}/outreach/{entry_id}",
    summary="Update an outreach entry (outcome, follow-up)",
    responses=problem_responses(
        *WRITE_PROBLEMS,
        StageNotFound,
        OutreachNotFound,
        UnknownReference,
        PressContactOfOtherCounty,
    ),
)
def update_outreach(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    entry: OutreachDep,
    data: OutreachUpdate,
    if_match: IfMatch,
) -> OutreachPublic:
    entry = service.update_outreach(
        session, actor=actor, stage=stage, entry=entry, data=data, if_match=if_match
    )
    return tagged(response, service.outreach_public(session, entry))


@router.delete(
    "/stages/{stage_id}/outreach/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an outreach entry",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, OutreachNotFound),
)
def delete_outreach(
    session: SessionDep, actor: CountyWriter, stage: StageDep, entry: OutreachDep, if_match: IfMatch
) -> None:
    service.delete_outreach(session, actor=actor, stage=stage, entry=entry, if_match=if_match)
