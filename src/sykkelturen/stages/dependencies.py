from typing import Annotated

from fastapi import Depends, Path

from sykkelturen.db import SessionDep
from sykkelturen.stages import service
from sykkelturen.stages.models import Stage
from sykkelturen.values import MAX_ID

StageId = Annotated[int, Path(ge=1, le=MAX_ID)]


def stage_or_404(session: SessionDep, stage_id: StageId) -> Stage:
    return service.get_stage(session, stage_id)


StageDep = Annotated[Stage, Depends(stage_or_404)]
