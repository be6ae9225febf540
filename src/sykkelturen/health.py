"""Liveness and readiness for load balancers, outside `/api/v1`."""

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel

from sykkelturen.problems import ServiceUnavailable, problem_responses

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> Health:
    # async: nothing here blocks, so no hop to the thread pool
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: the database answers",
    responses=problem_responses(ServiceUnavailable),
)
def readyz(request: Request) -> Health:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        raise ServiceUnavailable("The database does not answer.") from error
    return Health(status="ok")
