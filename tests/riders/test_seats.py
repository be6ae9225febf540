"""The seats rule as a table: on every leg, the passengers fit on the rickshaws."""

import pytest

from sykkelturen.legs import rules
from sykkelturen.legs.rules import Mark
from sykkelturen.riders.seats import overfull

BOUNDS = rules.boundaries(
    [Mark(5, "handover", 8.0, "Røra"), Mark(6, "handover", 14.0, "Straumen")], 20.0
)
LEGS = rules.leg_keys(BOUNDS)  # start-5, 5-6, 6-end


@pytest.mark.parametrize(
    ("passengers", "bikes", "full"),
    [
        ([], 1, []),
        ([[], []], 1, []),
        ([[], [], []], 1, [("start-5", 3), ("5-6", 3), ("6-end", 3)]),
        ([[], ["start-5"], ["6-end"]], 1, []),
        ([[], ["start-5"], ["start-6"]], 1, [("start-5", 3)]),
        ([[], [], [], [], ["5-6"]], 2, [("5-6", 5)]),
        ([[], [], [], [], ["5-6"]], 3, []),
        ([["leg-1"], [], []], 1, []),  # a changed assignment holds no seat
    ],
)
def test_overfull_legs(
    passengers: list[list[str]], bikes: int, full: list[tuple[str, int]]
) -> None:
    covers = [rules.coverage(p, BOUNDS) for p in passengers]
    assert [(load.leg, load.passengers) for load in overfull(covers, LEGS, bikes)] == full
