"""The personal-data endpoints under /people: erasure and the export. They sit in the
people tag and path, after the people router's own, but read and write every domain that
names a person."""

from typing import Any

from fastapi import APIRouter, status

from sykkelturen.concurrency import IfMatch
from sykkelturen.db import SessionDep
from sykkelturen.people.dependencies import PersonDep
from sykkelturen.people.problems import PersonNotFound
from sykkelturen.people.router import READ_PROBLEMS
from sykkelturen.privacy import erasure, export
from sykkelturen.problems import WRITE_PROBLEMS, problem_responses
from sykkelturen.security import CountyWriter, SignedIn

router = APIRouter(prefix="/people", tags=["people"])


@router.delete(
    "/{person_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Erase a person",
    description="The person's data is deleted; their team and rider places stay as anonymous "
    "placeholders, and audit entries that named them keep only who did what and when.",
    responses=problem_responses(*WRITE_PROBLEMS, PersonNotFound),
)
def erase_person(
    session: SessionDep, actor: CountyWriter, person: PersonDep, if_match: IfMatch
) -> None:
    erasure.erase_person(session, actor=actor, person=person, if_match=if_match)


@router.get(
    "/{person_id}/export",
    summary="Everything held about a person (JSON)",
    responses=problem_responses(*READ_PROBLEMS),
)
def export_person(session: SessionDep, actor: SignedIn, person: PersonDep) -> dict[str, Any]:
    return export.export(session, actor=actor, person=person)
