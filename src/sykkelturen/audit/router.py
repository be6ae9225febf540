from typing import Annotated

from fastapi import APIRouter, Query

from sykkelturen.audit import service
from sykkelturen.audit.models import AuditEntryPublic
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.pagination import Page, PageQuery
from sykkelturen.problems import (
    BadRequest,
    Forbidden,
    InvalidCursor,
    Unauthorized,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import NationalOnly
from sykkelturen.values import MAX_ID, IsoDateTime

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get(
    "",
    summary="List audit entries, newest first",
    responses=problem_responses(Unauthorized, Forbidden, InvalidCursor, ValidationFailed),
)
def list_audit_entries(
    session: SessionDep,
    actor: NationalOnly,
    page: PageQuery,
    resource_type: Annotated[str | None, Query(max_length=40, examples=["stage"])] = None,
    resource_id: Annotated[str | None, Query(max_length=100)] = None,
    tour_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    county: Annotated[str | None, Query(pattern=COUNTY_NUMBER_PATTERN)] = None,
    token_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Entries made with this token.")
    ] = None,
    since: Annotated[
        IsoDateTime | None, Query(description="From this instant (with offset).")
    ] = None,
    until: Annotated[
        IsoDateTime | None, Query(description="Before this instant (with offset).")
    ] = None,
) -> Page[AuditEntryPublic]:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise BadRequest(f"`{name}` needs a UTC offset, e.g. 2022-05-21T10:00:00+02:00.")
    rows, next_cursor = service.list_entries(
        session,
        page=page,
        resource_type=resource_type,
        resource_id=resource_id,
        tour_id=tour_id,
        county=county,
        token_id=token_id,
        since=since,
        until=until,
    )
    return Page(items=[AuditEntryPublic.model_validate(e) for e in rows], next_cursor=next_cursor)
