"""The team rule as a pure function: a person holds a role on a stage once.

The same person may hold several roles (stage leader and first aid), and erased places
(no person) may repeat; kept on add and on a change of role, and by a unique index.
"""

from collections.abc import Iterable


def holder_of(
    members: Iterable[tuple[int, int | None, str]],
    person_id: int | None,
    role: str,
    itself: int | None = None,
) -> int | None:
    """The team member (id) in which `person_id` already holds `role`; None when free."""
    if person_id is None:
        return None
    return next((i for i, p, r in members if p == person_id and r == role and i != itself), None)
