"""Outputs read back the way their users read them: calendars with icalendar, vobject
(Radicale and other CalDAV servers) and ics; GPX against the official 1.1 schema and with
gpxpy; GeoJSON with shapely; CSV as a spreadsheet splits it; Markdown with a CommonMark
renderer."""

import csv
import datetime as dt
import io
from functools import cache
from pathlib import Path
from typing import Any

import gpxpy
import icalendar
import ics
import shapely.geometry
import vobject
from lxml import etree
from markdown_it import MarkdownIt

DATA = Path(__file__).resolve().parent / "data"

When = dt.datetime | dt.date | None


def calendar_events(body: bytes) -> dict[str, list[tuple[str, When, When]]]:
    """(summary, start, end) of every event, as each of three parsers reads them."""
    text = body.decode("utf-8")
    by_icalendar = [
        (
            str(e.get("summary")),
            e.decoded("dtstart"),
            e.decoded("dtend") if e.get("dtend") is not None else None,
        )
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    ]
    parsed = vobject.readOne(text)
    by_vobject = [
        (
            e.summary.value,
            e.dtstart.value,
            e.dtend.value if hasattr(e, "dtend") else None,
        )
        for e in parsed.contents.get("vevent", [])
    ]
    by_ics = [
        (e.name, e.begin.datetime, e.end.datetime if e.has_end() else None)
        for e in sorted(ics.Calendar(text).events, key=lambda e: text.index(e.uid))
    ]
    return {"icalendar": by_icalendar, "vobject": by_vobject, "ics": by_ics}


def same_in_every_parser(body: bytes) -> list[tuple[str, When, When]]:
    """The events, after checking that all three parsers agree on every instant."""
    found = calendar_events(body)
    reference = found["icalendar"]
    for name, events in found.items():
        assert len(events) == len(reference), name
        for (summary, start, end), (ref_summary, ref_start, ref_end) in zip(
            events, reference, strict=True
        ):
            assert summary == ref_summary, name
            if isinstance(ref_start, dt.datetime):
                assert isinstance(start, dt.datetime)
                assert start == ref_start, (name, summary, start, ref_start)
                assert start.utcoffset() == ref_start.utcoffset(), (name, summary, start)
                if ref_end is not None or name != "ics":  # ics makes up an end
                    assert end == ref_end, (name, summary, end, ref_end)
    return reference


@cache
def gpx_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "gpx11" / "gpx.xsd")))


def valid_gpx(text: str) -> gpxpy.gpx.GPX:
    """Valid against the GPX 1.1 schema, and read by gpxpy."""
    document = etree.fromstring(text.encode("utf-8"))
    schema = gpx_schema()
    assert schema.validate(document), schema.error_log
    return gpxpy.parse(text)


def geometries(geojson: dict[str, Any]) -> list[Any]:
    """Every geometry of a Feature or FeatureCollection, as shapely builds it (it refuses
    a line mixing 2-D and 3-D positions)."""
    features = geojson["features"] if geojson["type"] == "FeatureCollection" else [geojson]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
    for shape, feature in zip(shapes, features, strict=True):
        assert shape.is_valid, feature["properties"]
        dims = {len(p) for p in _positions(feature["geometry"]["coordinates"])}
        assert len(dims) == 1, feature["properties"]
    return shapes


def _positions(coordinates: Any) -> list[list[float]]:
    if coordinates and isinstance(coordinates[0], int | float):
        return [coordinates]
    return [p for part in coordinates for p in _positions(part)]


def spreadsheet_rows(body: bytes, *, excel: bool = False) -> list[dict[str, str]]:
    """Rows as a spreadsheet splits the file: Norwegian Excel wants a BOM and `;`."""
    if excel:
        assert body.startswith(b"\xef\xbb\xbf")
        text = body.decode("utf-8-sig")
        delimiter = ";"
    else:
        assert not body.startswith(b"\xef\xbb\xbf")
        text = body.decode("utf-8")
        delimiter = ","
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def rendered_markdown(text: str) -> str:
    """HTML from a CommonMark renderer with raw HTML allowed, as most sites render."""
    rendered: str = MarkdownIt("commonmark", {"html": True}).render(text)
    return rendered
