"""The outcome's rules and the report's sums as tables, without the database."""

import datetime as dt

import pytest

from sykkelturen.outcomes import rules
from sykkelturen.outcomes.models import CountSource, DistanceSource, OutcomeStatus
from sykkelturen.report import figures

RIDDEN, CANCELLED = OutcomeStatus.ridden, OutcomeStatus.cancelled


@pytest.mark.parametrize(
    ("status", "reported", "track", "planned", "expected"),
    [
        (RIDDEN, 12_000.0, 11_000.0, 10_000.0, (12_000.0, DistanceSource.reported)),
        (RIDDEN, None, 11_000.0, 10_000.0, (11_000.0, DistanceSource.actual_track)),
        (RIDDEN, None, None, 10_000.0, (10_000.0, DistanceSource.planned_route)),
        (RIDDEN, None, None, None, (None, DistanceSource.no_route)),
        (RIDDEN, 0.0, None, 10_000.0, (0.0, DistanceSource.reported)),
        (CANCELLED, None, 11_000.0, 10_000.0, (0.0, DistanceSource.cancelled)),
    ],
)
def test_ridden_distance(
    status: OutcomeStatus,
    reported: float | None,
    track: float | None,
    planned: float | None,
    expected: tuple[float | None, DistanceSource],
) -> None:
    assert (
        rules.ridden_distance(
            status=status, reported_m=reported, actual_track_m=track, planned_m=planned
        )
        == expected
    )


@pytest.mark.parametrize(
    ("status", "reported", "planned", "rides", "expected"),
    [
        (RIDDEN, None, 4, True, (4, CountSource.planned)),
        (RIDDEN, 5, 4, True, (5, CountSource.reported)),
        (RIDDEN, 0, 4, True, (0, CountSource.reported)),
        (CANCELLED, None, 4, True, (0, CountSource.planned)),
        (CANCELLED, None, 3, False, (3, CountSource.planned)),  # the team still turned up
    ],
)
def test_count(
    status: OutcomeStatus,
    reported: int | None,
    planned: int,
    rides: bool,
    expected: tuple[int, CountSource],
) -> None:
    assert rules.count(status=status, reported=reported, planned=planned, rides=rides) == expected


def test_legs_over_seats() -> None:
    assert rules.legs_over_seats({"start-1": 12, "1-2": 13, "2-3": 0, "3-end": 20}, 12) == [
        "1-2",
        "3-end",
    ]


def row(sequence: int, day: str, **fields: object) -> figures.StageRow:
    return figures.StageRow(
        stage_id=sequence,
        sequence=sequence,
        date=dt.date.fromisoformat(day),
        county=str(fields.pop("county", "15")),
        name=f"s{sequence}",
        status=str(fields.pop("status", "ridden")),
        **fields,  # type: ignore[arg-type]
    )


def test_weeks_run_without_gaps() -> None:
    rows = [
        row(1, "2026-06-03", ridden_m=10_000, planned_m=10_000),
        row(2, "2026-06-17", ridden_m=5_000, planned_m=6_000),
    ]
    weeks = figures.by_week(rows)
    assert [(w.week, w.km_ridden, w.km_ridden_to_date) for w in weeks] == [
        ("2026-W23", 10.0, 10.0),
        ("2026-W24", 0.0, 10.0),
        ("2026-W25", 5.0, 15.0),
    ]


def test_partners_are_counted_once() -> None:
    rows = [
        row(1, "2026-06-03", partner_ids=frozenset({1, 2})),
        row(2, "2026-06-04", partner_ids=frozenset({2, 3})),
    ]
    assert figures.totals(rows).partners == 3
    assert figures.plan_versus_actual(figures.totals([])).km.percent is None
