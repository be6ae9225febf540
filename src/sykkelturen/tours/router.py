from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from sykkelturen.concurrency import IfMatch, read_tagged, tagged
from sykkelturen.counties.problems import CountyNotValidInYear
from sykkelturen.db import SessionDep
from sykkelturen.pagination import Page, PageQuery
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    InvalidCursor,
    InvalidDateRange,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import CurrentActor, NationalOnly
from sykkelturen.tours import service
from sykkelturen.tours.dependencies import TourCountyDep, TourDep
from sykkelturen.tours.models import (
    TourCountyCreate,
    TourCountyPublic,
    TourCountyUpdate,
    TourCreate,
    TourPublic,
    TourUpdate,
)
from sykkelturen.tours.problems import (
    CountyWindowsOutside,
    OutsideTourDates,
    TourCountyExists,
    TourCountyHasStages,
    TourCountyNotFound,
    TourHasStages,
    TourNameTaken,
    TourNotFound,
)

router = APIRouter(prefix="/tours", tags=["tours"])


@router.get(
    "",
    summary="List tours",
    responses=problem_responses(InvalidCursor, ValidationFailed),
)
def list_tours(
    session: SessionDep,
    page: PageQuery,
    year: Annotated[
        int | None, Query(ge=1900, le=2200, description="Tours starting that year.")
    ] = None,
) -> Page[TourPublic]:
    rows, next_cursor = service.list_tours(session, year=year, page=page)
    return Page(items=[service.tour_public(t) for t in rows], next_cursor=next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a tour",
    responses=problem_responses(Unauthorized, Forbidden, TourNameTaken, ValidationFailed),
)
def create_tour(
    session: SessionDep, actor: NationalOnly, data: TourCreate, request: Request, response: Response
) -> TourPublic:
    tour = service.create_tour(session, actor=actor, data=data)
    response.headers["Location"] = str(request.url_for("read_tour", tour_id=tour.id))
    return tagged(response, service.tour_public(tour))


@router.get(
    "/{tour_id}",
    summary="Read a tour",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(TourNotFound, ValidationFailed),
    },
)
def read_tour(request: Request, response: Response, tour: TourDep) -> TourPublic:
    return read_tagged(request, response, service.tour_public(tour))


@router.patch(
    "/{tour_id}",
    summary="Update a tour",
    responses=problem_responses(
        *WRITE_PROBLEMS, TourNotFound, TourNameTaken, InvalidDateRange, CountyWindowsOutside
    ),
)
def update_tour(
    session: SessionDep,
    actor: NationalOnly,
    tour: TourDep,
    data: TourUpdate,
    if_match: IfMatch,
    response: Response,
) -> TourPublic:
    tour = service.update_tour(session, actor=actor, tour=tour, data=data, if_match=if_match)
    return tagged(response, service.tour_public(tour))


@router.delete(
    "/{tour_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a tour without stages",
    responses=problem_responses(*WRITE_PROBLEMS, TourNotFound, TourHasStages),
)
def delete_tour(session: SessionDep, actor: NationalOnly, tour: TourDep, if_match: IfMatch) -> None:
    service.delete_tour(session, actor=actor, tour=tour, if_match=if_match)


@router.get(
    "/{tour_id}/counties",
    summary="List the counties taking part",
    description="Contacts are personal data: null unless the caller may see them.",
    responses=problem_responses(TourNotFound, InvalidCursor, ValidationFailed),
)
def list_tour_counties(
    session: SessionDep, actor: CurrentActor, tour: TourDep, page: PageQuery
) -> Page[TourCountyPublic]:
    rows, next_cursor = service.list_tour_counties(session, tour=tour, page=page)
    return Page(
        items=[service.tour_county_public(session, c, actor) for c in rows], next_cursor=next_cursor
    )


@router.post(
    "/{tour_id}/counties",
    status_code=status.HTTP_201_CREATED,
    summary="Add a county to the tour",
    responses=problem_responses(
        Unauthorized,
        Forbidden,
        ValidationFailed,
        TourNotFound,
        UnknownReference,
        CountyNotValidInYear,
        TourCountyExists,
        OutsideTourDates,
        InvalidDateRange,
    ),
)
def add_tour_county(
    session: SessionDep,
    actor: NationalOnly,
    tour: TourDep,
    data: TourCountyCreate,
    request: Request,
    response: Response,
) -> TourCountyPublic:
    tour_county = service.add_tour_county(session, actor=actor, tour=tour, data=data)
    response.headers["Location"] = str(
        request.url_for("read_tour_county", tour_id=tour.id, number=tour_county.county)
    )
    return tagged(response, service.tour_county_public(session, tour_county, actor))


@router.get(
    "/{tour_id}/counties/{number}",
    summary="Read one county of the tour",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(TourNotFound, TourCountyNotFound, ValidationFailed),
    },
)
def read_tour_county(
    session: SessionDep,
    actor: CurrentActor,
    tour_county: TourCountyDep,
    request: Request,
    response: Response,
) -> TourCountyPublic:
    return read_tagged(request, response, service.tour_county_public(session, tour_county, actor))


@router.patch(
    "/{tour_id}/counties/{number}",
    summary="Change a county's window or contacts",
    responses=problem_responses(
        *WRITE_PROBLEMS,
        TourNotFound,
        TourCountyNotFound,
        OutsideTourDates,
        InvalidDateRange,
        TourCountyHasStages,
    ),
)
def update_tour_county(
    session: SessionDep,
    actor: NationalOnly,
    tour: TourDep,
    tour_county: TourCountyDep,
    data: TourCountyUpdate,
    if_match: IfMatch,
    response: Response,
) -> TourCountyPublic:
    tour_county = service.update_tour_county(
        session, actor=actor, tour=tour, tour_county=tour_county, data=data, if_match=if_match
    )
    return tagged(response, service.tour_county_public(session, tour_county, actor))


@router.delete(
    "/{tour_id}/counties/{number}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a county without stages from the tour",
    responses=problem_responses(
        *WRITE_PROBLEMS, TourNotFound, TourCountyNotFound, TourCountyHasStages
    ),
)
def remove_tour_county(
    session: SessionDep, actor: NationalOnly, tour_county: TourCountyDep, if_match: IfMatch
) -> None:
    service.remove_tour_county(session, actor=actor, tour_county=tour_county, if_match=if_match)
