"""The run sheet as a spreadsheet: CSV in two dialects, and an Excel workbook.

One row per place of every stage (its checkpoints, and a start or finish row where the
stage has no such checkpoint, so a stage without a route still appears), its measures,
and the handover to the next stage. Times are local to the tour's zone with their offset;
a column per planned speed. On the day, `planned` (at the stage's reference speed),
`expected` and `actual` stand side by side with the delay and a flag (`late`,
`at_risk`), the same figures as `/live`; off the day only `planned` is filled.

CSV dialects: `rfc4180` (comma, UTF-8, decimal point) for programs, and `excel` for
Norwegian Excel, which splits on `;`, reads decimal commas and needs a byte-order mark
to take the file as UTF-8 (æøå).

Text typed by users may start with `=`, `+`, `-`, `@`, a tab or a carriage return, which
a spreadsheet runs as a formula ("CSV injection"). Such a cell gets a leading `'`, as
OWASP's CSV Injection page recommends. (defusedcsv does the same but leaves tab and
carriage return alone and rewrites every `|`, so the rule is kept here.) Numbers and
times are ours and are never touched.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from sykkelturen.runsheet.models import Clock, StageRunSheet, TourRunSheet
from sykkelturen.stages.itinerary import reference_speed
from sykkelturen.workbooks import workbook_bytes

HEAD = [
    "stage",
    "county",
    "date",
    "stage_name",
    "row",
    "name",
    "kind",
    "status",
    "km",
    "km_to_go",
    "dwell_minutes",
    "gap_m",
    "note",
    "planned",
    "expected",
    "actual",
    "delay_minutes",
    "flag",
]
# The day's columns: planned (at the stage's reference speed), expected and actual from the
# day-of log, the delay between them and a flag (a handover `late`, a measure `at_risk`).
DAY_TIMES = ("planned", "expected", "actual")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Dialect(StrEnum):
    rfc4180 = "rfc4180"
    excel = "excel"


class Text(str):
    """A cell typed by a user: neutralised before any spreadsheet sees it."""


Cell = Text | str | int | float | dt.datetime | None


def neutralise(text: str) -> str:
    """OWASP: a cell that starts like a formula is prefixed with a single quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[Cell]]
    speeds: list[float]


def _times(times: list[Clock], speeds: list[float]) -> list[Cell]:
    by_speed = {t.speed_kmh: t.arrive for t in times}
    return [by_speed.get(speed) for speed in speeds]


def _day(
    planned: dt.datetime | None,
    expected: dt.datetime | None,
    actual: dt.datetime | None,
    flag: str | None = None,
) -> list[Cell]:
    """planned, expected, actual, the delay of the best of those two, and the flag."""
    best = actual or expected
    delay = (
        round((best - planned).total_seconds() / 60, 1) + 0.0
        if best is not None and planned is not None
        else None
    )
    return [planned, expected, actual, delay, flag]


def _km(value: float | None) -> float | None:
    return None if value is None else round(value, 3) + 0.0  # never -0.0


def _stage_rows(stage: StageRunSheet, speeds: list[float], zone: ZoneInfo) -> list[list[Cell]]:
    base: list[Cell] = [stage.sequence, stage.county, stage.date.isoformat(), Text(stage.name)]
    kinds = {line.kind for line in stage.lines}
    distance = stage.distance_m / 1000 if stage.distance_m is not None else None
    day = stage.day
    reference = reference_speed(stage.speeds_kmh) if stage.speeds_kmh else None
    rows: list[list[Cell]] = []
    if "start" not in kinds:
        start_times = [stage.starts_at] * len(speeds) if stage.starts_at else [None] * len(speeds)
        rows.append(
            [
                *base,
                "start",
                Text(stage.start_place or stage.name),
                "start",
                None,
                0.0 if distance is not None else None,
                _km(distance),
                0,
                None,
                None,
                *_day(
                    stage.starts_at,
                    day.expected_start if day else None,
                    day.started_at if day else None,
                ),
                *[
                    t if s in stage.speeds_kmh else None
                    for t, s in zip(start_times, speeds, strict=True)
                ],
            ]
        )
    for line in stage.lines:
        rows.append(
            [
                *base,
                "checkpoint",
                Text(line.name),
                line.kind,
                None,
                _km(line.km),
                _km(line.km_to_go),
                line.dwell_minutes,
                None,
                None,
                *_day(line.planned, line.expected, line.actual, "late" if line.late else None),
                *_times(line.times, speeds),
            ]
        )
    if "finish" not in kinds and distance is not None:
        rows.append(
            [
                *base,
                "finish",
                Text(stage.finish_place or stage.name),
                "finish",
                None,
                _km(distance),
                0.0,
                0,
                None,
                None,
                *_day(
                    next((t.arrive for t in stage.finish if t.speed_kmh == reference), None),
                    day.finish_expected if day else None,
                    day.finish_actual if day else None,
                ),
                *_times(stage.finish, speeds),
            ]
        )
    for row in stage.measures:
        measure = row.measure
        # A measure's own window is stored in UTC; the sheet shows the tour's zone.
        explicit = measure.starts_at.astimezone(zone) if measure.starts_at else None
        rows.append(
            [
                *base,
                "measure",
                Text(measure.title),
                measure.kind,
                measure.status,
                _km(measure.km),
                None,
                None,
                None,
                None,
                *_day(
                    explicit
                    or next((t.arrive for t in row.times if t.speed_kmh == reference), None),
                    row.expected,
                    row.actual,
                    "at_risk" if row.at_risk else None,
                ),
                *([explicit] * len(speeds) if explicit else _times(row.times, speeds)),
            ]
        )
    return rows


def table(sheet: TourRunSheet) -> Table:
    speeds = sorted({s for stage in sheet.stages for s in stage.speeds_kmh})
    after = {h.from_stage_id: h for h in sheet.handovers}
    rows: list[list[Cell]] = []
    for stage in sheet.stages:
        rows += _stage_rows(stage, speeds, ZoneInfo(sheet.time_zone))
        handover = after.get(stage.stage_id)
        if handover is None:
            continue
        transfer = handover.transfer or {}
        note = transfer.get("note") or handover.reason
        rows.append(
            [
                stage.sequence,
                stage.county,
                stage.date.isoformat(),
                Text(stage.name),
                "handover",
                Text(f"etappe {handover.from_sequence} → {handover.to_sequence}"),
                str(transfer.get("mode") or "handover"),
                "flagged"
                if handover.flagged
                else ("unknown" if handover.gap_m is None and not transfer else "ok"),
                None,
                None,
                transfer.get("duration_minutes"),
                handover.gap_m,
                Text(str(note)) if note else None,
                *_day(None, None, None),
                *[None] * len(speeds),
            ]
        )
    head = HEAD + [f"at_{speed:g}_kmh" for speed in speeds]
    return Table(head=head, rows=rows, speeds=speeds)


def _csv_value(value: Cell, dialect: Dialect) -> str:
    if value is None:
        return ""
    if isinstance(value, Text):
        return neutralise(str(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
        return text.replace(".", ",") if dialect == Dialect.excel else text
    return str(value)


def to_csv(sheet: TourRunSheet, dialect: Dialect = Dialect.rfc4180) -> bytes:
    """RFC 4180 CSV, or the Excel dialect (`;`, decimal comma, UTF-8 with BOM)."""
    data = table(sheet)
    out = io.StringIO()
    delimiter = ";" if dialect == Dialect.excel else ","
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(data.head)
    for row in data.rows:
        writer.writerow([_csv_value(value, dialect) for value in row])
    text = out.getvalue()
    return ("\ufeff" + text if dialect == Dialect.excel else text).encode("utf-8")


def to_xlsx(sheet: TourRunSheet) -> bytes:
    data = table(sheet)
    zone = ZoneInfo(sheet.time_zone)
    head = [
        f"{name} ({zone.key})" if name in DAY_TIMES or index >= len(HEAD) else name
        for index, name in enumerate(data.head)
    ]
    return workbook_bytes([("Kjøreplan", head, data.rows)])
