"""The checkpoint rule as a pure function: a stage has one start and one finish.

Kept on every path that creates or changes a checkpoint (POST, PATCH of its kind, and
waypoints imported with a route), and by a unique index for writers racing each other.
"""

from collections.abc import Iterable

from sykkelturen.checkpoints.models import CheckpointKind

ONE_PER_STAGE = frozenset({CheckpointKind.start, CheckpointKind.finish})


def holder_of(
    kind: str, others: Iterable[tuple[int, str]], itself: int | None = None
) -> int | None:
    """The checkpoint (id) that already is the stage's `kind`, where a stage has only one;
    None when the kind is free (or may repeat)."""
    if kind not in ONE_PER_STAGE:
        return None
    return next((i for i, k in others if k == kind and i != itself), None)
