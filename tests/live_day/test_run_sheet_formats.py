"""Every run-sheet format, stage and national, shows planned, expected and actual side by
side on the day, read with the parser its users read it with: CSV as a spreadsheet splits
it (both dialects), openpyxl, icalendar and vobject, shapely on GeoJSON, the GPX schema and
gpxpy."""

import datetime as dt
import io
import json
from typing import Any

import icalendar
import openpyxl
import pytest
import vobject

from sykkelturen.clock import FixedClock
from tests.conftest import Callers
from tests.daylog.conftest import at, moment, post_entry
from tests.factories import API, ok
from tests.readers import geometries, spreadsheet_rows, valid_gpx


@pytest.fixture
def late(callers: Callers, day: dict[str, Any], clock: FixedClock) -> dict[str, Any]:
    """11:50: the bikes left at 11:48, 18 minutes late; the handover (planned 13:02 at the
    reference speed) is expected at 13:20 and late; the crossing (12:40–12:50) is at risk;
    a place named like a formula."""
    stage_id = day["stage"]["id"]
    crossing = ok(
        callers.county_15.post(
            f"{API}/stages/{stage_id}/measures",
            json={
                "kind": "road_crossing",
                "title": "Kryssing med politi",
                "km": 9,
                "starts_at": at("12:40"),
                "ends_at": at("12:50"),
            },
        ),
        201,
    )
    ok(
        callers.county_15.post(
            f"{API}/stages/{stage_id}/checkpoints",
            json={"name": "=HYPERLINK(1)", "kind": "media", "km": 3},
        ),
        201,
    )
    clock.at = moment("11:50")
    ok(post_entry(callers.county_15, stage_id, "start", kind="start", occurred_at=at("11:48")), 201)
    return day | {"crossing": crossing}


def sheet_urls(day: dict[str, Any], extension: str) -> list[str]:
    return [
        f"{API}/stages/{day['stage']['id']}/run-sheet.{extension}",
        f"{API}/tours/{day['tour']['id']}/run-sheet.{extension}",
    ]


@pytest.mark.parametrize("dialect", ["rfc4180", "excel"])
def test_csv(callers: Callers, late: dict[str, Any], dialect: str) -> None:
    for url in sheet_urls(late, "csv"):
        body = callers.anonymous.get(url, params={"dialect": dialect}).content
        rows = {r["name"]: r for r in spreadsheet_rows(body, excel=dialect == "excel")}
        start, handover = rows["Valldal stadion"], rows["Overlevering"]
        assert (start["planned"], start["actual"]) == (
            "2026-06-03T11:30+02:00",
            "2026-06-03T11:48+02:00",
        )
        assert start["delay_minutes"] == "18"
        assert (handover["planned"], handover["expected"], handover["actual"]) == (
            "2026-06-03T13:02+02:00",
            "2026-06-03T13:20+02:00",
            "",
        )
        assert (handover["delay_minutes"], handover["flag"]) == ("18", "late")
        crossing = rows["Kryssing med politi"]
        assert (crossing["planned"], crossing["expected"], crossing["flag"]) == (
            "2026-06-03T12:40+02:00",
            "2026-06-03T13:02+02:00",
            "at_risk",
        )
        assert "'=HYPERLINK(1)" in rows  # still neutralised
        assert all(r["flag"] == "" for r in rows.values() if r["kind"] in ("rest", "media"))


def test_csv_off_the_day_has_only_the_plan(
    callers: Callers, day: dict[str, Any], clock: FixedClock
) -> None:
    clock.at = moment("11:00", "2026-06-02")
    rows = spreadsheet_rows(callers.anonymous.get(sheet_urls(day, "csv")[0]).content)
    assert all(r["planned"] for r in rows if r["row"] == "checkpoint")
    assert not any(r["expected"] or r["actual"] or r["delay_minutes"] for r in rows)


def wall_clock(hhmm: str) -> dt.datetime:
    return moment(hhmm).replace(tzinfo=None)


def test_xlsx(callers: Callers, late: dict[str, Any]) -> None:
    for url in sheet_urls(late, "xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(callers.anonymous.get(url).content))
        page = book["Kjøreplan"]
        head = [c.value for c in page[1]]
        for name in ("planned", "expected", "actual"):
            assert f"{name} (Europe/Oslo)" in head
        rows = [dict(zip(head, [c.value for c in row], strict=True)) for row in page.iter_rows(2)]
        (handover,) = [r for r in rows if r["name"] == "Overlevering"]
        # Excel has no zones: local wall-clock times, the header names the zone.
        assert handover["planned (Europe/Oslo)"] == wall_clock("13:02")
        assert handover["expected (Europe/Oslo)"] == wall_clock("13:20")
        assert (handover["delay_minutes"], handover["flag"]) == (18, "late")
        (start,) = [r for r in rows if r["name"] == "Valldal stadion"]
        assert start["actual (Europe/Oslo)"] == wall_clock("11:48")


def test_icalendar_keeps_the_plan_and_says_the_day(callers: Callers, late: dict[str, Any]) -> None:
    urls = sheet_urls(late, "ics")
    for url in urls:
        body = callers.anonymous.get(url, params={"checkpoints": "true"}).content
        by_icalendar: dict[str, Any] = {
            str(e["summary"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
        }
        by_vobject: dict[str, Any] = {
            e.summary.value: e for e in vobject.readOne(body.decode()).contents["vevent"]
        }
        for name, events in (("icalendar", by_icalendar), ("vobject", by_vobject)):
            handover = next(e for s, e in events.items() if s.startswith("Overlevering"))
            stage = next(e for s, e in events.items() if s.startswith("Sykkelturen etappe"))
            if name == "icalendar":
                start = handover.decoded("dtstart")
                text, stage_text = str(handover["description"]), str(stage["description"])
                expected = handover.decoded("x-sykkelturen-expected")
                stage_start = stage.decoded("dtstart")
            else:
                start = handover.dtstart.value
                text, stage_text = handover.description.value, stage.description.value
                expected = handover.x_sykkelturen_expected.value
                stage_start = stage.dtstart.value
            # DTSTART stays the plan (the window from the fastest speed)…
            assert start.astimezone(dt.UTC) < moment("13:02").astimezone(dt.UTC), name
            assert stage_start == moment("11:30"), name
            # …the description says the day, and programs get it as X-SYKKELTUREN-EXPECTED.
            assert text.startswith(
                "Planlagt 13:02, forventet 13:20 (18 min forsinket); overleveringen er forsinket"
            ), (name, text)
            assert "Start: planlagt 11:30, faktisk 11:48 (18 min forsinket)" in stage_text, name
            if isinstance(expected, str):  # vobject leaves X- properties as text
                expected = dt.datetime.fromisoformat(expected)
            assert expected == moment("13:20"), name
    national = callers.anonymous.get(urls[1], params={"checkpoints": "true", "lang": "nn"})
    assert b"venta 13:20 (18 min forseinka)" in national.content


def test_geojson_properties(callers: Callers, late: dict[str, Any]) -> None:
    for url in sheet_urls(late, "geojson"):
        collection = json.loads(callers.anonymous.get(url).content)
        geometries(collection)  # shapely reads every geometry
        features = collection["features"]
        (line,) = [f for f in features if f["properties"]["type"] == "stage"]
        assert line["properties"]["status"] == "riding"
        assert line["properties"]["started_at"] == "2026-06-03T11:48:00+02:00"
        (handover,) = [f for f in features if f["properties"]["name"] == "Overlevering"]
        props = handover["properties"]
        assert (props["planned"], props["expected"], props["actual"]) == (
            "2026-06-03T13:02:00+02:00",
            "2026-06-03T13:20:00+02:00",
            None,
        )
        assert (props["delay_minutes"], props["late"]) == (18, True)


def test_gpx_waypoints_say_the_day(callers: Callers, late: dict[str, Any]) -> None:
    for url in sheet_urls(late, "gpx"):
        document = valid_gpx(callers.anonymous.get(url).text)
        places = {w.name: w.description for w in document.waypoints}
        assert places["Overlevering"] == (
            "Etappe 1 · Planlagt 13:02, forventet 13:20 (18 min forsinket); "
            "overleveringen er forsinket"
        )
        assert places["Valldal stadion"] == (
            "Etappe 1 · Planlagt 11:30, faktisk 11:48 (18 min forsinket)"
        )


def test_json_lines_and_measures(callers: Callers, late: dict[str, Any]) -> None:
    sheet = ok(callers.anonymous.get(f"{API}/stages/{late['stage']['id']}/run-sheet"))
    lines = {line["name"]: line for line in sheet["lines"]}
    assert lines["Overlevering"]["planned"] == "2026-06-03T13:02:00+02:00"
    assert (lines["Overlevering"]["delay_minutes"], lines["Overlevering"]["late"]) == (18, True)
    (crossing,) = [m for m in sheet["measures"] if m["measure"]["id"] == late["crossing"]["id"]]
    assert (crossing["expected"], crossing["actual"], crossing["at_risk"]) == (
        "2026-06-03T13:02:00+02:00",
        None,
        True,
    )
