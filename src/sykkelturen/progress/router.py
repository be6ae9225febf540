from fastapi import APIRouter

from sykkelturen.db import SessionDep
from sykkelturen.problems import ValidationFailed, problem_responses
from sykkelturen.progress import service
from sykkelturen.progress.models import StageProgress, TourProgress
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.problems import TourNotFound
from sykkelturen.tours.service import get_tour

router = APIRouter(tags=["progress"])


@router.get(
    "/stages/{stage_id}/progress",
    summary="The five phases as a checklist computed from the stage's data",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def stage_progress(session: SessionDep, stage: StageDep) -> StageProgress:
    return service.one_stage(session, get_tour(session, stage.tour_id), stage)


@router.get(
    "/tours/{tour_id}/progress",
    summary="County × phase matrix, the stages most behind, and deadlines at risk",
    description="Percentages and open items only; no personal data.",
    responses=problem_responses(TourNotFound, ValidationFailed),
)
def tour_progress(session: SessionDep, tour: TourDep) -> TourProgress:
    return service.tour_progress(session, tour)
