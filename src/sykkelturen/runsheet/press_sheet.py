"""A one-page "the tour comes to your town" sheet for the press, from the data: places and
times of the stage, its public activities, and the county's press contact (a county
contact whose role names the press, e.g. "pressekontakt"). No other personal data."""

import html

from sqlmodel import Session, select

from sykkelturen.activities import service as activities
from sykkelturen.runsheet.models import StageRunSheet
from sykkelturen.stages.models import Stage
from sykkelturen.tours.models import Tour, TourCounty
from sykkelturen.values import Contact


def press_contact(session: Session, stage: Stage) -> Contact | None:
    tour_county = session.exec(
        select(TourCounty).where(
            TourCounty.tour_id == stage.tour_id, TourCounty.county == stage.county
        )
    ).first()
    for contact in tour_county.contacts if tour_county else []:
        if "press" in (contact.get("role") or "").lower():
            return Contact.model_validate(contact)
    return None


def lines(
    session: Session, tour: Tour, stage: Stage, sheet: StageRunSheet
) -> tuple[str, list[str], list[str], str | None]:
    """(title, schedule lines, activity lines, contact line)."""
    middle = len(stage.speeds_kmh) // 2
    title = f"Sykkelturen kommer! Etappe {stage.sequence}: {stage.name}, {stage.date:%d.%m.%Y}"
    schedule = []
    if sheet.starts_at is not None:
        schedule.append(f"{sheet.starts_at:%H:%M} start fra {stage.start_place or 'start'}")
    for line in sheet.lines:
        if line.times and line.kind not in ("start",):
            schedule.append(f"ca. {line.times[middle].arrive:%H:%M} {line.name}")
    if sheet.finish:
        schedule.append(
            f"ca. {sheet.finish[middle].arrive:%H:%M} ankomst {stage.finish_place or 'mål'}"
        )
    events = [
        f"{e.starts_at:%H:%M} {e.title}" + (f" ({e.place})" if e.place else "")
        if e.starts_at
        else e.title
        for e in activities.events(
            session, tour=tour, county=stage.county, date_from=stage.date, date_to=stage.date
        )
        if e.stage_id == stage.id
    ]
    contact = press_contact(session, stage)
    reach = None
    if contact is not None:
        reach = ", ".join(
            x
            for x in (contact.name, contact.phone, str(contact.email) if contact.email else None)
            if x
        )
    return title, schedule, events, reach


def markdown(title: str, schedule: list[str], events: list[str], contact: str | None) -> str:
    out = [
        f"# {title}",
        "",
        "Seks el-rickshawer med eldre passasjerer, piloter og syklister bak.",
        "",
        "## Tider",
        "",
    ]
    out += [f"- {line}" for line in schedule] or ["- Tidene kommer."]
    if events:
        out += ["", "## Arrangementer", ""] + [f"- {line}" for line in events]
    if contact:
        out += ["", "## Kontakt", "", contact]
    return "\n".join(out) + "\n"


def to_html(title: str, schedule: list[str], events: list[str], contact: str | None) -> str:
    def items(rows: list[str]) -> str:
        return "".join(f"<li>{html.escape(row)}</li>" for row in rows)

    body = [
        f"<h1>{html.escape(title)}</h1>",
        "<p>Seks el-rickshawer med eldre passasjerer, piloter og syklister bak.</p>",
        "<h2>Tider</h2>",
        f"<ul>{items(schedule) or '<li>Tidene kommer.</li>'}</ul>",
    ]
    if events:
        body += ["<h2>Arrangementer</h2>", f"<ul>{items(events)}</ul>"]
    if contact:
        body += ["<h2>Kontakt</h2>", f"<p>{html.escape(contact)}</p>"]
    return (
        '<!doctype html><html lang="no"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{''.join(body)}</body></html>\n"
    )
