from fastapi import APIRouter

from sykkelturen.db import SessionDep
from sykkelturen.problems import ValidationFailed, problem_responses
from sykkelturen.staffing import service
from sykkelturen.staffing.models import StageStaffing, TourStaffing
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.problems import TourNotFound

router = APIRouter(tags=["staffing"])


@router.get(
    "/stages/{stage_id}/staffing",
    summary="Needs against confirmed and invited, per role and per leg, with gaps and warnings",
    description="Counts only: no names. Warnings point at riders by id.",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def stage_staffing(session: SessionDep, stage: StageDep) -> StageStaffing:
    return service.stage_staffing(session, stage)


@router.get(
    "/tours/{tour_id}/staffing",
    summary="Staffing rolled up per county and stage",
    responses=problem_responses(TourNotFound, ValidationFailed),
)
def tour_staffing(session: SessionDep, tour: TourDep) -> TourStaffing:
    return service.tour_staffing(session, tour)
