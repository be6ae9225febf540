from typing import Annotated

from fastapi import Depends, Path

from sykkelturen.db import SessionDep
from sykkelturen.people import service
from sykkelturen.people.models import Person
from sykkelturen.security import SignedIn
from sykkelturen.values import MAX_ID


def person_or_404(
    session: SessionDep, actor: SignedIn, person_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Person:
    """The person in the URL, if the caller may see them (else 404: nothing leaks)."""
    return service.get_person(session, actor, person_id)


PersonDep = Annotated[Person, Depends(person_or_404)]
