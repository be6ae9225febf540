"""A one-page "the tour comes to your town" sheet for the press, from the data: the stage's
bikes, distance and climb, its public places and the times the tour reaches them, its public
activities, and the county's press contact (a county contact whose role names the press,
e.g. "pressekontakt"). Nothing internal: no hazards, no measures, no other personal data.

Places and activities are timed at the same speed, the slowest planned one (the rule that
times activities relative to the passage), so an event "at the passage" starts when the
tour arrives there; the sheet says how much earlier a faster tour may come.

The HTML prints on one A4 page (print CSS; at most MAX_PLACES places and MAX_EVENTS
events, the rest pointed to); the Markdown escapes every text a user typed, so a title
with `<script>` or `*` renders as those characters in any CommonMark renderer.
"""

import datetime as dt
import html
import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from sykkelturen.activities import service as activities
from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.checkpoints.models import CheckpointKind
from sykkelturen.gpx.svg import sketch_svg
from sykkelturen.routes import service as routes
from sykkelturen.routes.versions import current_version
from sykkelturen.runsheet.models import Clock, StageRunSheet
from sykkelturen.stages.models import Stage
from sykkelturen.texts import Lang, label, phrase
from sykkelturen.tours.models import Tour, TourCounty
from sykkelturen.values import Contact

# What a journalist is shown of the places on the route (start and finish have own lines).
PRESS_KINDS = {
    CheckpointKind.handover,
    CheckpointKind.rest,
    CheckpointKind.meeting_point,
    CheckpointKind.media,
    CheckpointKind.signal_event,
    CheckpointKind.other,
}
MAX_PLACES = 12
MAX_EVENTS = 6


@dataclass(frozen=True)
class Line:
    time: str | None  # "11:30", or None when not timed
    text: str  # typed by users: escaped by each format
    about: bool = True  # "ca." before the time


@dataclass
class Facts:
    lang: Lang
    title: str
    intro: list[str]
    schedule: list[Line]
    times_note: str | None
    more_places: int
    events: list[Line]
    more_events: int
    contact: str | None
    headings: dict[str, str] = field(default_factory=dict)


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


def _slowest(times: list[Clock], speed: float) -> dt.datetime | None:
    return next((t.arrive for t in times if t.speed_kmh == speed), None)


def facts(session: Session, tour: Tour, stage: Stage, sheet: StageRunSheet, lang: Lang) -> Facts:
    slow = min(stage.speeds_kmh)
    km = f"{sheet.distance_m / 1000:.1f}".replace(".", ",") if sheet.distance_m else None
    start_place, finish_place = (
        stage.start_place or phrase("start_word", lang),
        stage.finish_place or phrase("finish_word", lang),
    )
    intro = [
        phrase("press_intro_bikes", lang, bikes=stage.bikes)
        if stage.bikes > 1
        else phrase("press_intro_bike", lang)
    ]
    if km is None:
        intro.append(phrase("press_no_route", lang, start=start_place, end=finish_place))
    elif sheet.ascent_m:
        intro.append(
            phrase(
                "press_route",
                lang,
                start=start_place,
                end=finish_place,
                km=km,
                up=f"{sheet.ascent_m:.0f}",
            )
        )
    else:
        intro.append(phrase("press_route_flat", lang, start=start_place, end=finish_place, km=km))

    schedule: list[Line] = []
    if sheet.starts_at is not None:
        schedule.append(
            Line(
                f"{sheet.starts_at:%H:%M}",
                phrase("start_from", lang, place=start_place),
                about=False,
            )
        )
    seen: set[str] = {start_place.casefold(), finish_place.casefold()}
    places: list[Line] = []
    for line in sheet.lines:
        if line.kind not in PRESS_KINDS or line.name.casefold() in seen:
            continue  # start and finish have their own lines; hazards are internal
        seen.add(line.name.casefold())
        moment = _slowest(line.times, slow)
        places.append(Line(f"{moment:%H:%M}" if moment else None, line.name))
    more_places = max(len(places) - MAX_PLACES, 0)
    schedule += places[:MAX_PLACES]
    arrival = _slowest(sheet.finish, slow)
    if arrival is not None:
        schedule.append(Line(f"{arrival:%H:%M}", phrase("arrival_at", lang, place=finish_place)))

    note = None
    fast = max(stage.speeds_kmh)
    if arrival is not None and fast > slow:
        quickest = _slowest(sheet.finish, fast)
        earlier = round((arrival - quickest).total_seconds() / 60) if quickest else 0
        note = phrase("times_note", lang, slow=f"{slow:g}", earlier=earlier)
    elif arrival is not None:
        note = phrase("times_note_one", lang, slow=f"{slow:g}")

    found = [
        e
        for e in activities.events(
            session, tour=tour, county=stage.county, date_from=stage.date, date_to=stage.date
        )
        if e.stage_id == stage.id
    ]
    events = [
        Line(
            f"{e.starts_at:%H:%M}" if e.starts_at else None,
            f"{label('activity_kind', e.kind, lang).capitalize()}: {e.title}"
            + (f" ({e.place})" if e.place else ""),
            about=False,
        )
        for e in found[:MAX_EVENTS]
    ]
    contact = press_contact(session, stage)
    reach = None
    if contact is not None:
        reach = ", ".join(
            x
            for x in (contact.name, contact.phone, str(contact.email) if contact.email else None)
            if x
        )
    return Facts(
        lang=lang,
        title=phrase(
            "press_title",
            lang,
            sequence=stage.sequence,
            name=stage.name,
            date=f"{stage.date:%d.%m.%Y}",
        ),
        intro=intro,
        schedule=schedule,
        times_note=note,
        more_places=more_places,
        events=events,
        more_events=max(len(found) - MAX_EVENTS, 0),
        contact=reach,
        headings={
            key: phrase(key, lang) for key in ("times", "events", "contact", "profile", "sketch")
        },
    )


def pictures(session: Session, stage: Stage, lang: Lang) -> tuple[str | None, str | None]:
    """The elevation profile and a route sketch (public places numbered), as inline SVG."""
    version = current_version(session, stage)
    if version is None:
        return None, None
    profile = routes.profile_picture(session, stage, version, lang, public_only=True)
    places = [
        (c.lon, c.lat, c.name) for c in checkpoints.ordered(session, stage) if c.kind in PRESS_KINDS
    ][:MAX_PLACES]
    sketch = sketch_svg(
        title=phrase("sketch", lang),
        line=[(p[0], p[1]) for p in version.map_line],
        places=places,
    )
    return _strip_declaration(profile), _strip_declaration(sketch)


def _strip_declaration(svg: str) -> str:
    return svg.removeprefix('<?xml version="1.0" encoding="utf-8"?>').strip()


# --- Markdown -----------------------------------------------------------------------------

# CommonMark lets any ASCII punctuation be backslash-escaped. These start inline markup
# anywhere (code, emphasis, links and images, raw HTML, entities, tables, strikethrough);
# the ones that matter only at the start of a line are handled there.
_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def md(text: str) -> str:
    """Text as literal Markdown: on one line, nothing in it read as markup."""
    flat = _INLINE.sub(r"\\\1", " ".join(text.split()))
    return _LINE_START.sub(
        lambda m: (
            m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2))
        ),
        flat,
    )


def _md_line(line: Line, lang: Lang) -> str:
    if line.time is None:
        return f"- {md(line.text)}"
    about = phrase("about", lang) + " " if line.about else ""
    return f"- {about}{line.time} {md(line.text)}"


def markdown(facts: Facts) -> str:
    lang = facts.lang
    out = [f"# {md(facts.title)}", "", *[md(t) for t in facts.intro], ""]
    out += [f"## {facts.headings['times']}", ""]
    out += [_md_line(line, lang) for line in facts.schedule] or [
        f"- {phrase('times_pending', lang)}"
    ]
    if facts.more_places:
        out.append(f"- {md(phrase('more_places', lang, count=facts.more_places))}")
    if facts.times_note:
        out += ["", md(facts.times_note)]
    if facts.events:
        out += ["", f"## {facts.headings['events']}", ""]
        out += [_md_line(line, lang) for line in facts.events]
        if facts.more_events:
            out.append(f"- {md(phrase('more_events', lang, count=facts.more_events))}")
    if facts.contact:
        out += ["", f"## {facts.headings['contact']}", "", md(facts.contact)]
    return "\n".join(out) + "\n"


# --- HTML to print --------------------------------------------------------------------------

PRINT_CSS = """
@page { size: A4 portrait; margin: 12mm; }
html { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10.5pt;
       line-height: 1.35; color: #111; }
body { max-width: 186mm; margin: 0 auto; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 3mm 0 1.5mm; }
p { margin: 0 0 1.5mm; }
ul { margin: 0; padding-left: 5mm; }
li { margin: 0 0 0.6mm; }
.time { font-variant-numeric: tabular-nums; font-weight: bold; }
.note { color: #444; font-size: 9pt; }
figure { margin: 0; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 8.5pt; color: #444; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 5mm; align-items: start; }
.profile svg { max-height: 72mm; }
.sketch svg { max-height: 64mm; }
section, figure { break-inside: avoid; page-break-inside: avoid; }
@media screen { body { margin: 8mm auto; padding: 0 6mm; } }
@media print { body { margin: 0; } }
"""


def _html_line(line: Line, lang: Lang) -> str:
    text = html.escape(line.text)
    if line.time is None:
        return f"<li>{text}</li>"
    about = html.escape(phrase("about", lang)) + " " if line.about else ""
    return f'<li>{about}<span class="time">{line.time}</span> {text}</li>'


def to_html(facts: Facts, figures: tuple[str | None, str | None]) -> str:
    lang = facts.lang
    profile, sketch = figures
    schedule = "".join(_html_line(line, lang) for line in facts.schedule) or (
        f"<li>{html.escape(phrase('times_pending', lang))}</li>"
    )
    if facts.more_places:
        schedule += f"<li>{html.escape(phrase('more_places', lang, count=facts.more_places))}</li>"
    body = [
        f"<h1>{html.escape(facts.title)}</h1>",
        *[f"<p>{html.escape(text)}</p>" for text in facts.intro],
    ]
    if profile:
        body.append(
            f'<figure class="profile" aria-label="{html.escape(facts.headings["profile"])}">'
            f"{profile}</figure>"
        )
    times = [f"<section><h2>{facts.headings['times']}</h2><ul>{schedule}</ul>"]
    if facts.times_note:
        times.append(f'<p class="note">{html.escape(facts.times_note)}</p>')
    times.append("</section>")
    if sketch:
        body.append(
            '<div class="columns">'
            f'<figure class="sketch">{sketch}'
            f"<figcaption>{html.escape(facts.headings['sketch'])}</figcaption></figure>"
            f"{''.join(times)}</div>"
        )
    else:
        body += times
    if facts.events:
        items = "".join(_html_line(line, lang) for line in facts.events)
        if facts.more_events:
            more = phrase("more_events", lang, count=facts.more_events)
            items += f"<li>{html.escape(more)}</li>"
        body.append(f"<section><h2>{facts.headings['events']}</h2><ul>{items}</ul></section>")
    if facts.contact:
        body.append(
            f"<section><h2>{facts.headings['contact']}</h2>"
            f"<p>{html.escape(facts.contact)}</p></section>"
        )
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(facts.title)}</title><style>{PRINT_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
