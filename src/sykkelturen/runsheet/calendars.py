"""The run sheet as calendar events: a stage, its places, its measures.

Every event spans the window the relay may be there: from the earliest arrival (at the
fastest planned speed) to the latest departure (at the slowest), planned stops included,
so a 20-minute rest at one speed is a 20-minute block and a stage ends when the run sheet
says it arrives at the slowest speed. Events keep their planned times; on the day the
description says what is expected or happened ("Start: planlagt 11:30, faktisk 11:48 (18
min forsinket)"), and `X-SYKKELTUREN-EXPECTED` / `-ACTUAL` carry it for programs.
"""

import datetime as dt

from sykkelturen.clock import to_minute
from sykkelturen.ical import CalendarEvent
from sykkelturen.runsheet.models import Clock, LegClock, RunSheetLeg, StageRunSheet
from sykkelturen.stages.itinerary import reference_speed
from sykkelturen.texts import Lang, label, phrase


def window(times: list[Clock]) -> tuple[dt.datetime, dt.datetime] | None:
    if not times:
        return None
    return min(t.arrive for t in times), max(t.depart for t in times)


def leg_window(times: list[LegClock]) -> tuple[dt.datetime, dt.datetime] | None:
    if not times:
        return None
    return min(t.start for t in times), max(t.end for t in times)


def _clock(moment: dt.datetime) -> str:
    """A local time (already in the tour's zone) to the nearest minute."""
    return (moment + dt.timedelta(seconds=30)).strftime("%H:%M")


def day_note(
    planned: dt.datetime | None,
    expected: dt.datetime | None,
    actual: dt.datetime | None,
    lang: Lang,
    *,
    what: str | None = None,
    flag: str | None = None,
) -> str | None:
    """One line of the day beside the plan, e.g. "Start: planlagt 11:30, faktisk 11:48
    (18 min forsinket)"; None off the day (no expected or actual time)."""
    if expected is None and actual is None:
        return None
    parts = [phrase("day_planned", lang, time=_clock(planned))] if planned else []
    if actual is not None:
        parts.append(phrase("day_actual", lang, time=_clock(actual)))
    elif expected is not None:
        parts.append(phrase("day_expected", lang, time=_clock(expected)))
    text = ", ".join(parts)
    best = actual or expected
    if planned is not None and best is not None:
        minutes = round((to_minute(best, dt.UTC) - to_minute(planned, dt.UTC)).total_seconds() / 60)
        if minutes:
            key = "day_late" if minutes > 0 else "day_early"
            text += f" ({phrase(key, lang, minutes=abs(minutes))})"
    if flag:
        text += f"; {phrase(flag, lang)}"
    return f"{phrase(what, lang)}: {text}" if what else text[:1].upper() + text[1:]


def day_moments(
    expected: dt.datetime | None, actual: dt.datetime | None
) -> tuple[tuple[str, dt.datetime], ...]:
    """The same for programs: `X-SYKKELTUREN-EXPECTED` and `-ACTUAL` (UTC)."""
    return tuple(
        (name, moment)
        for name, moment in (
            ("x-sykkelturen-expected", expected),
            ("x-sykkelturen-actual", actual),
        )
        if moment is not None
    )


def _reference(times: list[Clock], stage: StageRunSheet) -> dt.datetime | None:
    speed = reference_speed(stage.speeds_kmh) if stage.speeds_kmh else None
    return next((t.arrive for t in times if t.speed_kmh == speed), None)


def _speeds_note(stage: StageRunSheet, lang: Lang) -> str | None:
    speeds = sorted(stage.speeds_kmh)
    if len(speeds) < 2:
        return None
    return phrase("window", lang, fast=f"{speeds[-1]:g}", slow=f"{speeds[0]:g}")


def stage_title(stage: StageRunSheet, lang: Lang) -> str:
    return phrase("stage", lang, sequence=stage.sequence, name=stage.name)


def stage_span(stage: StageRunSheet) -> tuple[dt.datetime | dt.date, dt.datetime | None]:
    """From the start to the arrival at the slowest speed; the day when there is no time."""
    if stage.starts_at is None:
        return stage.date, None
    finish = window(stage.finish)
    return stage.starts_at, finish[1] if finish else None


def stage_event(stage: StageRunSheet, lang: Lang) -> CalendarEvent:
    details = [
        phrase("from_to", lang, start=stage.start_place or "?", end=stage.finish_place or "?")
    ]
    if stage.distance_m is not None:
        details.append(
            phrase(
                "distance_climb",
                lang,
                km=f"{stage.distance_m / 1000:.1f}".replace(".", ","),
                up=f"{stage.ascent_m or 0:.0f}",
            )
        )
    start, end = stage_span(stage)
    if isinstance(start, dt.datetime) and end is None:
        details.append(phrase("no_end", lang))
    note = _speeds_note(stage, lang)
    if note and end is not None:
        details.append(note)
    day = stage.day
    moments: tuple[tuple[str, dt.datetime], ...] = ()
    if day is not None:
        finish_planned = _reference(stage.finish, stage)
        for line in (
            day_note(stage.starts_at, day.expected_start, day.started_at, lang, what="day_start"),
            day_note(
                finish_planned, day.finish_expected, day.finish_actual, lang, what="day_finish"
            ),
        ):
            if line:
                details.append(line)
        moments = day_moments(day.finish_expected, day.finish_actual)
    return CalendarEvent(
        uid=f"stage-{stage.stage_id}@sykkelturen",
        summary=phrase("stage_event", lang, sequence=stage.sequence, name=stage.name),
        start=start,
        end=end,
        changed=stage.last_changed,
        location=stage.start_place or stage.name,
        description="\n".join(details),
        moments=moments,
    )


def checkpoint_events(stage: StageRunSheet, lang: Lang) -> list[CalendarEvent]:
    events = []
    for line in stage.lines:
        span = window(line.times)
        if span is None:
            continue
        details = [f"km {line.km:.1f}".replace(".", ",")] if line.km is not None else []
        if line.dwell_minutes:
            details.append(phrase("stop_minutes", lang, minutes=line.dwell_minutes))
        note = _speeds_note(stage, lang)
        if note:
            details.append(note)
        on_day = day_note(
            line.planned,
            line.expected,
            line.actual,
            lang,
            flag="day_late_handover" if line.late else None,
        )
        if on_day:
            details.insert(0, on_day)
        events.append(
            CalendarEvent(
                uid=f"checkpoint-{line.checkpoint_id}@sykkelturen",
                summary=phrase(
                    "checkpoint_event",
                    lang,
                    name=line.name,
                    kind=label("checkpoint_kind", line.kind, lang),
                    sequence=stage.sequence,
                ),
                start=span[0],
                end=span[1],
                changed=stage.last_changed,
                location=line.name,
                description="\n".join(details),
                moments=day_moments(line.expected, line.actual),
            )
        )
    return events


def measure_events(stage: StageRunSheet, lang: Lang) -> list[CalendarEvent]:
    """Measures with a time: their explicit window, or the passage at their place."""
    events = []
    for row in stage.measures:
        measure = row.measure
        start: dt.datetime | None = measure.starts_at
        end: dt.datetime | None = measure.ends_at
        if start is None:
            span = window(row.times)
            if span is None:
                continue
            start, end = span
        on_day = day_note(
            measure.starts_at or _reference(row.times, stage),
            row.expected,
            row.actual,
            lang,
            flag="day_at_risk" if row.at_risk else None,
        )
        description = "\n".join(t for t in (on_day, measure.description) if t) or None
        events.append(
            CalendarEvent(
                uid=f"measure-{measure.id}@sykkelturen",
                summary=phrase(
                    "measure_event",
                    lang,
                    kind=label("measure_kind", measure.kind, lang).capitalize(),
                    title=measure.title,
                    sequence=stage.sequence,
                ),
                start=start,
                end=end,
                changed=max(stage.last_changed, measure.updated_at),
                description=description,
                moments=day_moments(row.expected, row.actual),
            )
        )
    return events


def legs_span(
    stage: StageRunSheet, keys: list[str]
) -> list[tuple[list[RunSheetLeg], tuple[dt.datetime, dt.datetime] | None]]:
    """The stage's legs among `keys`, grouped into runs of consecutive legs, each with
    the window from its first leg's earliest start to its last leg's latest end."""
    chosen = [leg for leg in stage.legs if leg.key in set(keys)]
    runs: list[list[RunSheetLeg]] = []
    for leg in chosen:
        if runs and runs[-1][-1].number + 1 == leg.number:
            runs[-1].append(leg)
        else:
            runs.append([leg])
    result = []
    for run in runs:
        first, last = leg_window(run[0].times), leg_window(run[-1].times)
        result.append((run, (first[0], last[1]) if first and last else None))
    return result
