"""Public-facing words in bokmål and nynorsk: the press sheet, calendars, the profile
picture and the public events speak Norwegian, never the API's English enum values.

The language is `?lang=nb|nn` when given, else the best of `Accept-Language` (`nb`, `nn`,
`no` count; `no` means bokmål), else bokmål. Every label table covers every value of its
enum; `tests/test_texts.py` checks that and that no English value leaks into the outputs.
"""

from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request, Response


class Lang(StrEnum):
    nb = "nb"  # bokmål
    nn = "nn"  # nynorsk


DEFAULT = Lang.nb

# Enum value → (bokmål, nynorsk). Keys are the API's values (team roles, rider roles and
# statuses, checkpoint kinds, activity kinds and statuses, measure kinds, route statuses).
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "team_role": {
        "stage_leader": ("etappeleder", "etappeleiar"),
        "safety_lead": ("sikkerhetsansvarlig", "tryggleiksansvarleg"),
        "content_producer": ("innholdsprodusent", "innhaldsprodusent"),
        "logistics": ("logistikk", "logistikk"),
        "first_aid": ("førstehjelp", "førstehjelp"),
        "driver": ("sjåfør (følgebil)", "sjåfør (følgjebil)"),
        "host": ("vert i mål", "vert i mål"),
        "scout": ("løypespeider", "løypespeidar"),
        "sweep": ("feiebil", "feiebil"),
        "volunteer": ("frivillig", "frivillig"),
    },
    "rider_role": {
        "pilot": ("pilot", "pilot"),
        "cyclist": ("syklist", "syklist"),
        "passenger": ("passasjer", "passasjer"),
    },
    "rider_status": {
        "invited": ("invitert", "invitert"),
        "confirmed": ("bekreftet", "stadfesta"),
        "declined": ("takket nei", "takka nei"),
        "withdrawn": ("trukket", "trekt"),
    },
    "checkpoint_kind": {
        "start": ("start", "start"),
        "finish": ("mål", "mål"),
        "handover": ("overlevering", "overlevering"),
        "rest": ("pause", "pause"),
        "meeting_point": ("møtested", "møtestad"),
        "hazard": ("faresone", "fareområde"),
        "media": ("mediepunkt", "mediepunkt"),
        "signal_event": ("signalarrangement", "signalarrangement"),
        "transfer": ("transport", "transport"),
        "other": ("annet", "anna"),
    },
    "activity_kind": {
        "activity": ("aktivitet", "aktivitet"),
        "signal_event": ("signalarrangement", "signalarrangement"),
        "food_stop": ("matstopp", "matstopp"),
        "entertainment": ("underholdning", "underhaldning"),
        "meeting_place": ("møteplass", "møteplass"),
        "other": ("annet", "anna"),
    },
    "activity_status": {
        "idea": ("idé", "idé"),
        "planned": ("planlagt", "planlagd"),
        "confirmed": ("bekreftet", "stadfesta"),
        "done": ("gjennomført", "gjennomført"),
        "cancelled": ("avlyst", "avlyst"),
    },
    "measure_kind": {
        "traffic_control": ("trafikkvakt", "trafikkvakt"),
        "road_crossing": ("vegkryssing", "vegkryssing"),
        "escort_vehicle": ("følgebil", "følgjebil"),
        "police_notice": ("melding til politiet", "melding til politiet"),
        "first_aid": ("førstehjelp", "førstehjelp"),
        "rest_stop": ("pause", "pause"),
        "handover": ("overlevering", "overlevering"),
        "transfer": ("transport", "transport"),
        "media": ("media", "media"),
        "signal_event": ("signalarrangement", "signalarrangement"),
        "other": ("annet", "anna"),
    },
    "route_status": {
        "draft": ("utkast", "utkast"),
        "reported": ("meldt til NF", "meldt til NF"),
        "final": ("endelig", "endeleg"),
    },
}

# Phrases by key → (bokmål, nynorsk); `{name}` placeholders are filled with str.format.
PHRASES: dict[str, tuple[str, str]] = {
    "stage": ("Etappe {sequence}: {name}", "Etappe {sequence}: {name}"),
    "stage_event": (
        "Sykkelturen etappe {sequence}: {name}",
        "Sykkelturen etappe {sequence}: {name}",
    ),
    "leg": ("deletappe {number}: {start} – {end}", "deletappe {number}: {start} – {end}"),
    "from_to": ("{start} → {end}", "{start} → {end}"),
    "distance_climb": ("{km} km, {up} m stigning", "{km} km, {up} m stigning"),
    "no_elevation": ("høydedata mangler", "høgdedata manglar"),
    "no_elevation_long": (
        "Ruten har ingen høydedata",
        "Ruta har ingen høgdedata",
    ),
    "profile_subtitle": (
        "{km} km · {up} m opp · {down} m ned · ruteversjon {version} ({status})",
        "{km} km · {up} m opp · {down} m ned · ruteversjon {version} ({status})",
    ),
    "profile_subtitle_flat": (
        "{km} km · {missing} · ruteversjon {version} ({status})",
        "{km} km · {missing} · ruteversjon {version} ({status})",
    ),
    "checkpoint_event": (
        "{name} ({kind}, etappe {sequence})",
        "{name} ({kind}, etappe {sequence})",
    ),
    "stop_minutes": ("{minutes} min opphold", "{minutes} min opphald"),
    "window": (
        "Tidsvindu fra raskeste ({fast} km/t) til langsomste planlagte fart ({slow} km/t).",
        "Tidsvindauge frå raskaste ({fast} km/t) til seinaste planlagde fart ({slow} km/t).",
    ),
    "no_end": (
        "Slutten er ikke beregnet: etappen har ingen rute ennå.",
        "Slutten er ikkje rekna ut: etappen har inga rute enno.",
    ),
    # The day itself, beside the plan (run sheet calendars)
    "day_start": ("Start", "Start"),
    "day_finish": ("Ankomst", "Ankomst"),
    "day_planned": ("planlagt {time}", "planlagd {time}"),
    "day_expected": ("forventet {time}", "venta {time}"),
    "day_actual": ("faktisk {time}", "faktisk {time}"),
    "day_late": ("{minutes} min forsinket", "{minutes} min forseinka"),
    "day_early": ("{minutes} min tidlig", "{minutes} min tidleg"),
    "day_late_handover": ("overleveringen er forsinket", "overleveringa er forseinka"),
    "day_at_risk": ("passeringen er utenfor tidsvinduet", "passeringa er utanfor tidsvindauget"),
    "assignment": ("{role} – {stage}", "{role} – {stage}"),
    "role_status": ("{role} ({status})", "{role} ({status})"),
    "responsibilities": ("Ansvar: {text}", "Ansvar: {text}"),
    "person_calendar": ("Sykkelturen: {name}", "Sykkelturen: {name}"),
    "team_calendar": (
        "Sykkelturen etappe {sequence}: {name} (etappeteamet)",
        "Sykkelturen etappe {sequence}: {name} (etappeteamet)",
    ),
    "stage_calendar": (
        "Sykkelturen etappe {sequence}: {name}",
        "Sykkelturen etappe {sequence}: {name}",
    ),
    "events_calendar": ("{tour}: arrangementer", "{tour}: arrangement"),
    "measure_event": ("{kind}: {title} (etappe {sequence})", "{kind}: {title} (etappe {sequence})"),
    "event_summary": ("{kind}: {title}", "{kind}: {title}"),
    # The press sheet
    "press_title": (
        "Sykkelturen kommer! Etappe {sequence}: {name}, {date}",
        "Sykkelturen kjem! Etappe {sequence}: {name}, {date}",
    ),
    "press_intro_bikes": (
        "{bikes} el-rickshawer med passasjerer foran, piloter som tråkker og syklister bak.",
        "{bikes} el-rickshawar med passasjerar framme, pilotar som trakkar og syklistar bak.",
    ),
    "press_intro_bike": (
        "Én el-rickshaw med passasjerer foran, en pilot som tråkker og syklister bak.",
        "Éin el-rickshaw med passasjerar framme, ein pilot som trakkar og syklistar bak.",
    ),
    "press_route": (
        "{start} → {end}: {km} km, {up} m stigning.",
        "{start} → {end}: {km} km, {up} m stigning.",
    ),
    "press_route_flat": ("{start} → {end}: {km} km.", "{start} → {end}: {km} km."),
    "press_no_route": (
        "{start} → {end}. Ruten er ikke klar ennå.",
        "{start} → {end}. Ruta er ikkje klar enno.",
    ),
    "times": ("Tider", "Tider"),
    "times_note": (
        "Tidene gjelder ved {slow} km/t; i raskere tempo kan vi komme inntil {earlier} min "
        "tidligere.",
        "Tidene gjeld ved {slow} km/t; i raskare tempo kan vi kome inntil {earlier} min tidlegare.",
    ),
    "times_note_one": ("Tidene gjelder ved {slow} km/t.", "Tidene gjeld ved {slow} km/t."),
    "times_pending": ("Tidene kommer.", "Tidene kjem."),
    "start_from": ("start fra {place}", "start frå {place}"),
    "arrival_at": ("ankomst {place}", "framkomst {place}"),
    "about": ("ca.", "ca."),
    "more_places": (
        "… og {count} steder til i kjøreplanen.",
        "… og {count} stader til i køyreplanen.",
    ),
    "events": ("Arrangementer", "Arrangement"),
    "more_events": ("… og {count} arrangementer til.", "… og {count} arrangement til."),
    "contact": ("Kontakt", "Kontakt"),
    "profile": ("Høydeprofil", "Høgdeprofil"),
    "sketch": ("Ruten", "Ruta"),
    "start_word": ("start", "start"),
    "finish_word": ("mål", "mål"),
}


def label(group: str, value: str, lang: Lang) -> str:
    """The Norwegian word for an enum value; the value itself if the table lacks it."""
    pair = LABELS[group].get(str(value))
    if pair is None:
        return str(value)
    return pair[0] if lang == Lang.nb else pair[1]


def phrase(key: str, lang: Lang, **values: object) -> str:
    bokmal, nynorsk = PHRASES[key]
    return (bokmal if lang == Lang.nb else nynorsk).format(**values)


def from_accept_language(header: str | None) -> Lang | None:
    """The best supported language of an `Accept-Language` header (RFC 9110 §12.5.4)."""
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        lang = {"nb": Lang.nb, "no": Lang.nb, "nn": Lang.nn}.get(primary)
        if lang is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if best is None or (quality, -position) > (best[0], -best[1]):
            best = (quality, position, lang)
    return best[2] if best else None


async def negotiate(
    request: Request,
    response: Response,
    lang: Annotated[
        Lang | None,
        Query(description="`nb` (bokmål) or `nn` (nynorsk); overrides `Accept-Language`."),
    ] = None,
) -> Lang:
    """The dependency behind `LangDep`: the chosen language, announced in the response.
    `async` (it does no I/O), so that it costs a request no thread-pool hop."""
    chosen = lang or from_accept_language(request.headers.get("accept-language")) or DEFAULT
    response.headers["Content-Language"] = chosen.value
    return chosen


LangDep = Annotated[Lang, Depends(negotiate)]
