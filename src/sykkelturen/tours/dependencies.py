from typing import Annotated

from fastapi import Depends, Path

from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.tours import service
from sykkelturen.tours.models import Tour, TourCounty
from sykkelturen.values import MAX_ID

TourId = Annotated[int, Path(ge=1, le=MAX_ID)]


def tour_or_404(session: SessionDep, tour_id: TourId) -> Tour:
    return service.get_tour(session, tour_id)


TourDep = Annotated[Tour, Depends(tour_or_404)]


def tour_county_or_404(
    session: SessionDep,
    tour: TourDep,
    number: Annotated[str, Path(pattern=COUNTY_NUMBER_PATTERN, examples=["15"])],
) -> TourCounty:
    return service.get_tour_county(session, tour, number)


TourCountyDep = Annotated[TourCounty, Depends(tour_county_or_404)]
