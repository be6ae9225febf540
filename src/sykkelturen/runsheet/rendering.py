"""A built run sheet in the format asked for: the one place that maps a format to its
media type, file name and renderer (the renderers themselves are `formats.py` and
`spreadsheets.py`)."""

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from sykkelturen.runsheet import formats, spreadsheets
from sykkelturen.runsheet.service import BuiltSheet
from sykkelturen.runsheet.spreadsheets import Dialect
from sykkelturen.texts import Lang


class Format(StrEnum):
    json = "json"
    csv = "csv"
    ics = "ics"
    geojson = "geojson"
    gpx = "gpx"
    xlsx = "xlsx"


MEDIA_TYPES = {
    Format.json: "application/json",
    Format.csv: "text/csv",
    Format.ics: "text/calendar",
    Format.geojson: "application/geo+json",
    Format.gpx: "application/gpx+xml",
    Format.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BY_MEDIA_TYPE = {media: fmt for fmt, media in MEDIA_TYPES.items()}
FILE_FORMATS = [Format.csv, Format.ics, Format.geojson, Format.gpx, Format.xlsx]
_TEXT = {Format.json, Format.csv, Format.ics, Format.geojson, Format.gpx}


@dataclass(frozen=True)
class Options:
    """What a caller may choose besides the format (each format reads what it needs)."""

    dialect: Dialect = Dialect.rfc4180
    checkpoints: bool = False
    lang: Lang = Lang.nb


def media_type(chosen: Format) -> str:
    media = MEDIA_TYPES[chosen]
    if chosen == Format.csv:
        return media + "; charset=utf-8; header=present"
    return media + "; charset=utf-8" if chosen in _TEXT else media


def file_name(stem: str, chosen: Format) -> str:
    return f"{stem}.{chosen.value}"


def render(
    session: Session,
    built: BuiltSheet,
    chosen: Format,
    options: Options,
    *,
    calendar_name: str,
    one_stage: bool = False,
) -> bytes:
    """The body: JSON from the stages' kept JSON (a stage's own sheet with `one_stage`),
    the file formats from the sheet's models."""
    if chosen == Format.json:
        return built.stage_json[0] if one_stage else built.to_json()
    sheet = built.sheet  # read back from the fragments' JSON: only for the file formats
    if chosen == Format.csv:
        return spreadsheets.to_csv(sheet, options.dialect)
    if chosen == Format.xlsx:
        return spreadsheets.to_xlsx(sheet)
    if chosen == Format.ics:
        return formats.to_ical(
            sheet, with_checkpoints=options.checkpoints, lang=options.lang, name=calendar_name
        )
    if chosen == Format.geojson:
        return formats.to_geojson(session, sheet).encode("utf-8")
    return formats.to_gpx_document(session, sheet).encode("utf-8")
