"""Who may see personal data, the one rule (`Actor.personal_data_counties`) that people
lists, person summaries in team and rider lists, contacts on the run sheet and its cache
variant all read: as a table over every kind of caller."""

import pytest

from sykkelturen.security import ANONYMOUS, Actor

ACTORS = {
    "national": Actor(role="national", name="NF"),
    "county 15": Actor(role="county", name="Møre", counties=frozenset({"15"})),
    "county 15+46": Actor(role="county", name="Vest", counties=frozenset({"15", "46"})),
    "reader with grant": Actor(role="reader", name="Presse", personal_data=True),
    "reader": Actor(role="reader", name="Presse"),
    "stage day": Actor(role="stage_day", name="Telefon", stage_id=1),
    "anonymous": Actor(role=ANONYMOUS, name=ANONYMOUS),
}


@pytest.mark.parametrize(
    ("who", "scope", "sees_15", "sees_50"),
    [
        ("national", None, True, True),
        ("county 15", frozenset({"15"}), True, False),
        ("county 15+46", frozenset({"15", "46"}), True, False),
        ("reader with grant", None, True, True),
        ("reader", frozenset(), False, False),
        ("stage day", frozenset(), False, False),
        ("anonymous", frozenset(), False, False),
    ],
)
def test_whose_personal_data_each_caller_sees(
    who: str, scope: frozenset[str] | None, sees_15: bool, sees_50: bool
) -> None:
    actor = ACTORS[who]
    assert actor.personal_data_counties == scope
    assert (actor.may_see_personal_data("15"), actor.may_see_personal_data("50")) == (
        sees_15,
        sees_50,
    )
    # A thing of no county is personal data only the all-seeing may see.
    assert actor.may_see_personal_data(None) is (scope is None)
