from fastapi import APIRouter

from sykkelturen.db import SessionDep
from sykkelturen.legs import service
from sykkelturen.legs.models import Legs
from sykkelturen.problems import ValidationFailed, problem_responses
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound

# Tagged with checkpoints as before: generated clients group operations by tag.
router = APIRouter(tags=["checkpoints"])


@router.get(
    "/stages/{stage_id}/legs",
    summary="The legs between the stage's start, its handovers and its finish",
    description="Each leg is named by its bounding checkpoints (`key`); riders and team "
    "members refer to legs by key. None while the stage has no route.",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def list_legs(session: SessionDep, stage: StageDep) -> Legs:
    return service.stage_legs(session, stage)
