from fastapi import APIRouter

from sykkelturen.clock import ClockDep
from sykkelturen.db import SessionDep
from sykkelturen.live import service
from sykkelturen.live.models import TourLive
from sykkelturen.problems import ValidationFailed, problem_responses
from sykkelturen.security import CurrentActor
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.problems import TourNotFound

router = APIRouter(tags=["day"])


@router.get(
    "/tours/{tour_id}/live",
    summary="The tour on the day: where the bikes are, delays, what is at risk",
    description="For each of today's stages (in the tour's zone): the last log entry and "
    "the position extrapolated along the route, the delay, the next handover with its "
    "expected time, open incidents and measures whose window the expected passage "
    "misses. Incident text and who logged what only for those who may see the county's "
    "personal data; everyone else gets the public view.",
    responses=problem_responses(TourNotFound, ValidationFailed),
)
def read_live(session: SessionDep, actor: CurrentActor, tour: TourDep, clock: ClockDep) -> TourLive:
    return service.tour_live(session, actor=actor, tour=tour, now=clock.now())
