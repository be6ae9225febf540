from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from sykkelturen.concurrency import IfMatch, read_tagged, tagged
from sykkelturen.content import service
from sykkelturen.content.models import ContentCreate, ContentItem, ContentPublic, ContentUpdate
from sykkelturen.content.problems import ContentNotFound
from sykkelturen.db import SessionDep
from sykkelturen.pagination import Page
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    Unauthorized,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import CountyWriter
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["content"])


def content_or_404(
    session: SessionDep, stage: StageDep, item_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> ContentItem:
    return service.get_content(session, stage, item_id)


ContentDep = Annotated[ContentItem, Depends(content_or_404)]


@router.get(
    "/stages/{stage_id}/content",
    summary="Content for marketing the stage",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def list_content(session: SessionDep, stage: StageDep) -> Page[ContentPublic]:
    # Tens per stage: always one page.
    return Page(
        items=[service.public(c) for c in service.list_content(session, stage)], next_cursor=None
    )


@router.post(
    "/stages/{stage_id}/content",
    status_code=status.HTTP_201_CREATED,
    summary="Add a photo, video, article or social post",
    responses=problem_responses(Unauthorized, Forbidden, StageNotFound, ValidationFailed),
)
def create_content(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    data: ContentCreate,
) -> ContentPublic:
    item = service.create_content(session, actor=actor, stage=stage, data=data)
    response.headers["Location"] = str(
        request.url_for("read_content", stage_id=stage.id, item_id=item.id)
    )
    return tagged(response, service.public(item))


@router.get(
    "/stages/{stage_id}/content/{item_id}",
    summary="Read a content item",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, ContentNotFound, ValidationFailed),
    },
)
def read_content(request: Request, response: Response, item: ContentDep) -> ContentPublic:
    return read_tagged(request, response, service.public(item))


@router.patch(
    "/stages/{stage_id}/content/{item_id}",
    summary="Update a content item",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, ContentNotFound),
)
def update_content(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    item: ContentDep,
    data: ContentUpdate,
    if_match: IfMatch,
) -> ContentPublic:
    item = service.update_content(
        session, actor=actor, stage=stage, item=item, data=data, if_match=if_match
    )
    return tagged(response, service.public(item))


@router.delete(
    "/stages/{stage_id}/content/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a content item",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, ContentNotFound),
)
def delete_content(
    session: SessionDep, actor: CountyWriter, stage: StageDep, item: ContentDep, if_match: IfMatch
) -> None:
    service.delete_content(session, actor=actor, stage=stage, item=item, if_match=if_match)
