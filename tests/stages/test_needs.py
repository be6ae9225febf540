"""What a stage needs and whether it has it: pilots default to one per bike, and a role is
short while fewer are confirmed than needed (the staffing view and the phase checklist
read the same rule)."""

import pytest

from sykkelturen.stages.models import StageNeeds
from sykkelturen.stages.needs import missing, pilots_needed, riders_needed, short, team_needed


@pytest.mark.parametrize(
    ("pilots", "bikes", "expected"),
    [(None, 3, 3), (None, 0, 0), (5, 3, 5), (0, 3, 0), (2, 4, 2)],
)
def test_pilots_default_to_one_per_bike(pilots: int | None, bikes: int, expected: int) -> None:
    assert pilots_needed(StageNeeds(pilots=pilots), bikes) == expected


def test_riders_and_team_needed() -> None:
    needs = StageNeeds.model_validate(
        {"cyclists": 12, "passengers": 4, "team": {"stage_leader": 1, "first_aid": 2}}
    )
    assert riders_needed(needs, 2) == {"pilot": 2, "cyclist": 12, "passenger": 4}
    assert team_needed(needs) == {"stage_leader": 1, "first_aid": 2}


@pytest.mark.parametrize(
    ("needed", "confirmed", "expected"), [(3, 0, 3), (3, 2, 1), (3, 3, 0), (3, 5, 0), (0, 0, 0)]
)
def test_missing_is_never_negative(needed: int, confirmed: int, expected: int) -> None:
    assert missing(needed, confirmed) == expected


@pytest.mark.parametrize(
    ("confirmed", "expected"),
    [
        ({}, ("pilot", "cyclist")),
        ({"pilot": 2}, ("cyclist",)),
        ({"pilot": 2, "cyclist": 9}, ()),
        ({"pilot": 1, "cyclist": 20}, ("pilot",)),
    ],
)
def test_short_roles_in_the_order_needed(
    confirmed: dict[str, int], expected: tuple[str, ...]
) -> None:
    assert short({"pilot": 2, "cyclist": 9, "passenger": 0}, confirmed) == expected
