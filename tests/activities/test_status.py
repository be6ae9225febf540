import pytest

from sykkelturen.activities.models import ActivityStatus as S
from sykkelturen.activities.status import may_change

ALLOWED = {
    (S.idea, S.planned),
    (S.idea, S.cancelled),
    (S.planned, S.confirmed),
    (S.planned, S.idea),
    (S.planned, S.cancelled),
    (S.confirmed, S.done),
    (S.confirmed, S.planned),
    (S.confirmed, S.cancelled),
    (S.cancelled, S.idea),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("new", list(S))
def test_every_transition(current: S, new: S) -> None:
    assert may_change(current, new) is (current == new or (current, new) in ALLOWED)
