from typing import Annotated

from fastapi import APIRouter, Path, Query

from sykkelturen.counties import service
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN, CountyPublic
from sykkelturen.counties.problems import CountyNotFound
from sykkelturen.db import SessionDep
from sykkelturen.pagination import Page, PageQuery
from sykkelturen.problems import ValidationFailed, problem_responses

router = APIRouter(prefix="/counties", tags=["counties"])

CountyNumber = Annotated[str, Path(pattern=COUNTY_NUMBER_PATTERN, examples=["42"])]


@router.get(
    "",
    summary="List Norway's counties",
    description="Both the 2020–2023 set and the 2024 set; `year` keeps those valid that year.",
    responses=problem_responses(ValidationFailed),
)
def list_counties(
    session: SessionDep,
    page: PageQuery,
    year: Annotated[
        int | None, Query(ge=1900, le=2200, description="Only counties valid that year.")
    ] = None,
) -> Page[CountyPublic]:
    items, next_cursor = service.list_counties(session, year=year, page=page)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{number}",
    summary="Read one county",
    responses=problem_responses(CountyNotFound, ValidationFailed),
)
def read_county(session: SessionDep, number: CountyNumber) -> CountyPublic:
    return service.get_county_public(session, number)
