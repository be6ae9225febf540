from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from sykkelturen.concurrency import IfMatch, conditional_get, etag_of, set_etag
from sykkelturen.coverage import service
from sykkelturen.coverage.models import Coverage, CoverageCreate, CoveragePublic, CoverageUpdate
from sykkelturen.coverage.problems import CoverageNotFound, OutletUnknown, OutreachOfOtherStage
from sykkelturen.db import SessionDep
from sykkelturen.pagination import Page
from sykkelturen.partners.problems import PartnerOfOtherCounty
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import CountyWriter
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["report"])

REFERENCE_PROBLEMS = (UnknownReference, OutreachOfOtherStage, OutletUnknown, PartnerOfOtherCounty)


def coverage_or_404(
    session: SessionDep, stage: StageDep, item_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Coverage:
    return service.get_coverage(session, stage, item_id)


CoverageDep = Annotated[Coverage, Depends(coverage_or_404)]


@router.get(
    "/stages/{stage_id}/coverage",
    summary="What the press published about the stage",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def list_coverage(session: SessionDep, stage: StageDep) -> Page[CoveragePublic]:
    # Tens per stage: always one page.
    return Page(items=service.list_coverage(session, stage), next_cursor=None)


@router.post(
    "/stages/{stage_id}/coverage",
    status_code=status.HTTP_201_CREATED,
    summary="Log a published press item (outlet, date, kind, link, headline)",
    responses=problem_responses(
        Unauthorized, Forbidden, StageNotFound, ValidationFailed, *REFERENCE_PROBLEMS
    ),
)
def create_coverage(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    data: CoverageCreate,
) -> CoveragePublic:
    item = service.create_coverage(session, actor=actor, stage=stage, data=data)
    body = service.public(session, item)
    set_etag(response, etag_of(body))
    response.headers["Location"] = str(
        request.url_for("read_coverage", stage_id=stage.id, item_id=item.id)
    )
    return body


@router.get(
    "/stages/{stage_id}/coverage/{item_id}",
    summary="Read a press item",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, CoverageNotFound, ValidationFailed),
    },
)
def read_coverage(
    request: Request, response: Response, session: SessionDep, item: CoverageDep
) -> CoveragePublic:
    body = service.public(session, item)
    conditional_get(request, response, etag_of(body))
    return body


@router.patch(
    "/stages/{stage_id}/coverage/{item_id}",
    summary="Update a press item",
    responses=problem_responses(
        *WRITE_PROBLEMS, StageNotFound, CoverageNotFound, *REFERENCE_PROBLEMS
    ),
)
def update_coverage(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    item: CoverageDep,
    data: CoverageUpdate,
    if_match: IfMatch,
) -> CoveragePublic:
    item = service.update_coverage(
        session, actor=actor, stage=stage, item=item, data=data, if_match=if_match
    )
    body = service.public(session, item)
    set_etag(response, etag_of(body))
    return body


@router.delete(
    "/stages/{stage_id}/coverage/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a press item",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, CoverageNotFound),
)
def delete_coverage(
    session: SessionDep, actor: CountyWriter, stage: StageDep, item: CoverageDep, if_match: IfMatch
) -> None:
    service.delete_coverage(session, actor=actor, stage=stage, item=item, if_match=if_match)
