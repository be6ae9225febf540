"""The leg rules as tables: boundaries, keys, and what an assignment covers after
handovers are added, moved or removed."""

import pytest

from sykkelturen.legs import rules
from sykkelturen.legs.rules import Mark


def marks(*items: tuple[int, str, float | None]) -> list[Mark]:
    return [Mark(id=i, kind=kind, km=km, name=f"{kind} {i}") for i, kind, km in items]


START = (1, "start", 0.0)
FINISH = (9, "finish", 20.0)


@pytest.mark.parametrize(
    ("points", "length_km", "keys"),
    [
        ([], None, ["start-end"]),  # no route: the stage is one stretch
        ([], 20.0, ["start-end"]),
        ([START, FINISH], 20.0, ["start-end"]),
        ([START, (5, "handover", 8.0), FINISH], 20.0, ["start-5", "5-end"]),
        ([(5, "handover", 8.0), (6, "handover", 3.0)], 20.0, ["start-6", "6-5", "5-end"]),
        ([START, (5, "handover", 8.0), (7, "rest", 9.0), FINISH], 20.0, ["start-5", "5-end"]),
        ([START, (5, "handover", None), FINISH], 20.0, ["start-end"]),  # not on the route
        ([(1, "start", 2.0), (5, "handover", 1.0), FINISH], 20.0, ["start-end"]),  # before start
        ([START, (5, "handover", 8.0), (9, "finish", 6.0)], 20.0, ["start-end"]),  # past finish
        ([START, (5, "handover", 0.0), FINISH], 20.0, ["start-end"]),  # at the start itself
    ],
)
def test_boundaries_and_keys(
    points: list[tuple[int, str, float | None]], length_km: float | None, keys: list[str]
) -> None:
    assert rules.leg_keys(rules.boundaries(marks(*points), length_km)) == keys


BEFORE = rules.boundaries(marks(START, (5, "handover", 8.0), (6, "handover", 14.0), FINISH), 20.0)


@pytest.mark.parametrize(
    ("keys", "stored"),
    [
        ([], []),
        (["start-5"], [("start", "5")]),
        (["start-5", "5-6"], [("start", "6")]),  # consecutive legs: one stretch
        (["5-6", "start-5", "6-end"], [("start", "end")]),
        (["start-5", "6-end"], [("start", "5"), ("6", "end")]),
        (["start-6"], [("start", "6")]),  # a stretch over two legs
        (["start-5", "start-6"], [("start", "6")]),
        (["6-5"], None),  # the wrong way round
        (["5-7"], None),  # 7 bounds nothing
        (["leg-1"], None),
    ],
)
def test_merge(keys: list[str], stored: list[tuple[str, str]] | None) -> None:
    assert rules.merge(keys, BEFORE) == stored


def after(*handovers: tuple[int, float]) -> list[rules.Boundary]:
    return rules.boundaries(
        marks(START, *((i, "handover", km) for i, km in handovers), FINISH), 20.0
    )


@pytest.mark.parametrize(
    ("stored", "bounds", "shown", "changed"),
    [
        # unchanged
        (["start-5"], after((5, 8), (6, 14)), ("start-5",), ()),
        # the whole stage is always the whole stage
        ([], after(), (), ()),
        ([], after((5, 8), (6, 14), (7, 17)), (), ()),
        # a handover added inside a stretch splits it; the stretch is kept
        (["start-5"], after((5, 8), (6, 14), (4, 3)), ("start-4", "4-5"), ()),
        (["start-end"], after((5, 8)), ("start-5", "5-end"), ()),
        # a handover moved keeps bounding its legs
        (["5-6"], after((5, 2), (6, 19)), ("5-6",), ()),
        # removed, or moved past its neighbour: flagged, covering nothing
        (["5-6"], after((6, 14)), ("5-6",), ("5-6",)),
        (["5-6"], after((5, 15), (6, 14)), ("5-6",), ("5-6",)),
        (["start-5", "6-end"], after((5, 8)), ("start-5", "6-end"), ("6-end",)),
        # a number from before legs had names
        (["leg-2"], after((5, 8)), ("leg-2",), ("leg-2",)),
    ],
)
def test_coverage_after_handovers_change(
    stored: list[str],
    bounds: list[rules.Boundary],
    shown: tuple[str, ...],
    changed: tuple[str, ...],
) -> None:
    cover = rules.coverage(stored, bounds)
    assert (cover.shown, cover.changed, cover.leg_changed) == (shown, changed, bool(changed))
    assert cover.legs <= set(rules.leg_keys(bounds))
    if not stored:
        assert cover.legs == set(rules.leg_keys(bounds))
    if stored and changed == tuple(stored):
        assert cover.legs == frozenset()  # counts nowhere


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ([], [], True),
        ([], ["5-6"], True),
        (["start-5"], ["5-6"], False),
        (["start-6"], ["5-6"], True),
        (["leg-1"], [], False),  # a changed assignment covers nothing
    ],
)
def test_overlaps(a: list[str], b: list[str], overlap: bool) -> None:
    assert rules.overlaps(rules.coverage(a, BEFORE), rules.coverage(b, BEFORE)) is overlap


def cover(*legs: str) -> rules.Coverage:
    return rules.Coverage(legs=frozenset(legs), shown=tuple(legs), changed=())


@pytest.mark.parametrize(
    ("here", "other", "clash"),
    [
        (cover("start-5", "5-end"), None, True),  # another stage the same day
        (cover("start-5"), cover("start-5"), True),
        (cover("start-5", "5-6"), cover("5-6", "6-end"), True),  # one shared leg
        (cover("start-5"), cover("5-end"), False),  # a handover: one rides on after the other
        (cover(), cover("start-5"), False),  # nothing covered today
    ],
)
def test_double_booking(here: rules.Coverage, other: rules.Coverage | None, clash: bool) -> None:
    assert rules.double_booked(here, other) is clash
