"""The run sheet as calendar events: a stage, its places, its measures.

Every event spans the window the relay may be there: from the earliest arrival (at the
fastest planned speed) to the latest departure (at the slowest), planned stops included,
so a 20-minute rest at one speed is a 20-minute block and a stage ends when the run sheet
says it arrives at the slowest speed.
"""

import datetime as dt

from sykkelturen.ical import CalendarEvent
from sykkelturen.runsheet.models import Clock, LegClock, RunSheetLeg, StageRunSheet
from sykkelturen.texts import Lang, label, phrase


def window(times: list[Clock]) -> tuple[dt.datetime, dt.datetime] | None:
    if not times:
        return None
    return min(t.arrive for t in times), max(t.depart for t in times)


def leg_window(times: list[LegClock]) -> tuple[dt.datetime, dt.datetime] | None:
    if not times:
        return None
    return min(t.start for t in times), max(t.end for t in times)


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
    return CalendarEvent(
        uid=f"stage-{stage.stage_id}@sykkelturen",
        summary=phrase("stage_event", lang, sequence=stage.sequence, name=stage.name),
        start=start,
        end=end,
        changed=stage.last_changed,
        location=stage.start_place or stage.name,
        description="\n".join(details),
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
                description=measure.description,
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
