"""Legs (deletapper) as pure rules: what bounds them, their names, and what an assignment
to legs covers when handovers are added, moved or removed.

A stage's leg boundaries are, in km order: its start (the `start` checkpoint, or the
route's first point), every `handover` strictly between, and its end (the `finish`
checkpoint, or the route's last point). A leg runs between two consecutive boundaries
and is named by them: its key is `<from>-<to>`, each side `start`, `end` or the handover
checkpoint's id, e.g. `start-12`, `12-15`, `15-end`; without handovers the one leg is
`start-end`. Positions (leg 1, leg 2) change as handovers come and go; keys do not.

An assignment stores stretches: a pair of boundaries, from and to. It keeps its meaning
while both boundaries exist in that order: a handover added inside splits the stretch
into more legs, a handover moved keeps bounding it. When a boundary is gone (deleted, no
longer a handover, off the route or past the finish) or the two come in the other order,
the stretch no longer resolves: it covers nothing and the assignment is `leg_changed`
until the county chooses its legs again. No assignment is ever silently re-meant.
"""

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

START, END = "start", "end"
KEY_PATTERN = r"^(start|[1-9][0-9]{0,17})-(end|[1-9][0-9]{0,17})$"
_KEY = re.compile(KEY_PATTERN)

Stretch = tuple[str, str]  # (from side, to side)


@dataclass(frozen=True)
class Mark:
    """A checkpoint as the leg rules see it."""

    id: int
    kind: str
    km: float | None
    name: str


@dataclass(frozen=True)
class Boundary:
    side: str  # START, END, or a handover's checkpoint id
    checkpoint_id: int | None  # the checkpoint there; None at the route's own ends
    name: str
    km: float | None  # None while the stage has no route


def boundaries(
    marks: Iterable[Mark],
    length_km: float | None,
    start_name: str = "Start",
    end_name: str = "Mål",
) -> list[Boundary]:
    """The stage's start, its handovers between start and end in km order, and its end;
    without a start or finish checkpoint the route's own ends, named `start_name` and
    `end_name` (the stage's start and finish places).

    Without a route nothing is placed, so there are no handovers to order: the stage is
    the one stretch from start to end."""
    placed = sorted((m for m in marks if m.km is not None), key=lambda m: (m.km, m.id))
    starts = [m for m in placed if m.kind == "start"]
    finishes = [m for m in placed if m.kind == "finish"]
    if length_km is None:
        return [Boundary(START, None, start_name, None), Boundary(END, None, end_name, None)]
    first = (
        Boundary(START, starts[0].id, starts[0].name, starts[0].km)
        if starts
        else Boundary(START, None, start_name, 0.0)
    )
    last = (
        Boundary(END, finishes[-1].id, finishes[-1].name, finishes[-1].km)
        if finishes
        else Boundary(END, None, end_name, length_km)
    )
    assert first.km is not None
    assert last.km is not None
    low, high = first.km, last.km
    handovers = [
        Boundary(str(m.id), m.id, m.name, m.km)
        for m in placed
        if m.kind == "handover" and m.km is not None and low < m.km < high
    ]
    return [first, *handovers, last]


def key(start: Boundary | str, end: Boundary | str) -> str:
    a = start.side if isinstance(start, Boundary) else start
    b = end.side if isinstance(end, Boundary) else end
    return f"{a}-{b}"


def parse(leg_key: str) -> Stretch | None:
    """(from, to) of a key, or None when it is not one (e.g. a number from before keys)."""
    match = _KEY.match(leg_key)
    return (match.group(1), match.group(2)) if match else None


def leg_keys(bounds: Sequence[Boundary]) -> list[str]:
    return [key(a, b) for a, b in itertools.pairwise(bounds)]


def resolve(stretch: Stretch, bounds: Sequence[Boundary]) -> list[str] | None:
    """The legs a stretch covers today, in order; None when it no longer resolves."""
    sides = [b.side for b in bounds]
    start, end = stretch
    if start not in sides or end not in sides:
        return None
    i, j = sides.index(start), sides.index(end)
    if i >= j:
        return None
    return leg_keys(bounds[i : j + 1])


def merge(keys: Iterable[str], bounds: Sequence[Boundary]) -> list[Stretch] | None:
    """Stretches (keys of legs, or of any two boundaries in order) as the fewest stretches
    covering the same legs: consecutive legs become one stretch, so that a handover later
    removed between them leaves the assignment whole. None when a key does not resolve."""
    covered: set[str] = set()
    for leg_key in keys:
        stretch = parse(leg_key)
        legs = resolve(stretch, bounds) if stretch else None
        if legs is None:
            return None
        covered.update(legs)
    runs: list[Stretch] = []
    start: str | None = None
    end = END
    for a, b in itertools.pairwise(bounds):
        if key(a, b) in covered:
            start = a.side if start is None else start
            end = b.side
        elif start is not None:
            runs.append((start, end))
            start = None
    if start is not None:
        runs.append((start, end))
    return runs


@dataclass(frozen=True)
class Coverage:
    """What an assignment covers today."""

    legs: frozenset[str]  # current leg keys
    shown: tuple[str, ...]  # its legs as the API shows them ([] = whole stage)
    changed: tuple[str, ...]  # stored stretches that no longer resolve

    @property
    def leg_changed(self) -> bool:
        return bool(self.changed)


def coverage(stored: Sequence[str], bounds: Sequence[Boundary]) -> Coverage:
    """An assignment's stored stretch keys ([] = the whole stage) against today's legs."""
    every = leg_keys(bounds)
    if not stored:
        return Coverage(legs=frozenset(every), shown=(), changed=())
    covered: set[str] = set()
    changed = []
    for leg_key in stored:
        stretch = parse(leg_key)
        legs = resolve(stretch, bounds) if stretch else None
        if legs is None:
            changed.append(leg_key)
        else:
            covered.update(legs)
    shown = tuple(k for k in every if k in covered) + tuple(changed)
    return Coverage(legs=frozenset(covered), shown=shown, changed=tuple(changed))


def covers(assignment: Coverage, leg_key: str) -> bool:
    return leg_key in assignment.legs


def overlaps(a: Coverage, b: Coverage) -> bool:
    """Two assignments of one stage share a leg."""
    return bool(a.legs & b.legs)


def double_booked(here: Coverage, other: Coverage | None) -> bool:
    """The double-booking rule: one person's two places on one day of a tour clash when
    they are on two stages (`other` is None: both ride that day) or share a leg of one."""
    return other is None or overlaps(here, other)
