"""The run sheet as spreadsheets read it: every stage, handovers, one finish, times with
their zone, no `-0.0`, formulas neutralised, an Excel dialect, and a workbook."""

import io
from typing import Any

import openpyxl
import pytest

from tests.conftest import Callers
from tests.factories import API, make_stage, ok, tour_with_counties, upload
from tests.readers import spreadsheet_rows

FORMULAS = ['=HYPERLINK("http://evil","klikk")', "+47 lunsj", "-2+3", "@SUM(A1)", "\tinnrykk"]


@pytest.fixture
def tour(callers: Callers) -> dict[str, Any]:
    """Stage 1 with a route, a finish checkpoint at its very end and places named like
    formulas; stage 2 in Trøndelag without a route."""
    tour = tour_with_counties(callers.national)
    first = make_stage(callers.county_15, tour["id"], sequence=1, speeds_kmh=[8, 10.5])
    make_stage(
        callers.national,
        tour["id"],
        sequence=2,
        county="50",
        date="2026-06-10",
        name="=Steinkjer – Straumen",
        start_place="Steinkjer torg",
    )
    route = upload(callers.county_15, first["id"], "stage_valldal_stordal.gpx")
    points = f"{API}/stages/{first['id']}/checkpoints"
    ok(
        callers.county_15.post(points, json={"name": "Valldal stadion", "kind": "start", "km": 0}),
        201,
    )
    for number, name in enumerate(FORMULAS, start=1):
        ok(callers.county_15.post(points, json={"name": name, "kind": "other", "km": number}), 201)
    ok(
        callers.county_15.post(
            points,
            json={"name": "Stordal sentrum", "kind": "finish", "km": route["distance_m"] / 1000},
        ),
        201,
    )
    return tour | {"first": first}


def test_every_stage_handovers_and_one_finish(callers: Callers, tour: dict[str, Any]) -> None:
    body = callers.anonymous.get(f"{API}/tours/{tour['id']}/run-sheet.csv").content
    rows = spreadsheet_rows(body)
    assert sorted({r["stage"] for r in rows}) == ["1", "2"]  # the stage without a route too
    second = [r for r in rows if r["stage"] == "2"]
    assert [(r["row"], r["name"]) for r in second] == [("start", "Steinkjer torg")]
    assert second[0]["at_8_kmh"] == "2026-06-10T11:30+02:00"
    finishes = [r for r in rows if r["stage"] == "1" and r["kind"] == "finish"]
    assert len(finishes) == 1  # the finish checkpoint, not again as a made-up row
    assert finishes[0]["km_to_go"] == "0"
    assert not any(value.startswith("-0") for r in rows for value in r.values())
    (handover,) = [r for r in rows if r["row"] == "handover"]
    assert handover["name"] == "etappe 1 → 2"
    assert handover["status"] == "unknown"  # no gap to measure yet
    assert "A stage has no route yet" in handover["note"]


def test_times_carry_their_offset(callers: Callers, tour: dict[str, Any]) -> None:
    rows = spreadsheet_rows(
        callers.anonymous.get(f"{API}/tours/{tour['id']}/run-sheet.csv").content
    )
    times = [r[c] for r in rows for c in ("at_8_kmh", "at_10.5_kmh") if r[c]]
    assert times
    assert all(t.endswith("+02:00") and len(t) == len("2026-06-03T11:30+02:00") for t in times)


def test_formulas_are_neutralised_the_owasp_way(callers: Callers, tour: dict[str, Any]) -> None:
    for dialect in ("rfc4180", "excel"):
        body = callers.anonymous.get(
            f"{API}/tours/{tour['id']}/run-sheet.csv", params={"dialect": dialect}
        ).content
        rows = spreadsheet_rows(body, excel=dialect == "excel")
        names = [r["name"] for r in rows]
        for name in FORMULAS:
            assert "'" + name in names, (dialect, name)
        assert "'=Steinkjer – Straumen" in {r["stage_name"] for r in rows}
        # Every cell a spreadsheet would run as a formula starts with a quote instead.
        for row in rows:
            for column, value in row.items():
                if value[:1] in ("=", "+", "@", "\t", "\r"):
                    pytest.fail(f"{column}={value!r} would run as a formula")
                if value.startswith("-"):
                    float(value.replace(",", "."))  # only our own negative numbers


def test_excel_dialect(callers: Callers, tour: dict[str, Any]) -> None:
    response = callers.anonymous.get(
        f"{API}/tours/{tour['id']}/run-sheet", params={"format": "csv", "dialect": "excel"}
    )
    assert response.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    assert response.content.startswith(b"\xef\xbb\xbfstage;county;")
    rows = spreadsheet_rows(response.content, excel=True)
    assert "Møre og Romsdal" not in response.text  # numbers only; but æøå survive:
    assert "Valldal – Stordal" in {r["stage_name"] for r in rows}
    kms = [r["km"] for r in rows if r["km"] and "," in r["km"]]
    assert kms  # decimal comma, as Norwegian Excel reads numbers
    assert all(float(km.replace(",", ".")) >= 0 for km in kms)
    assert "at_10,5_kmh" not in rows[0]  # headers stay machine names
    plain = callers.anonymous.get(f"{API}/tours/{tour['id']}/run-sheet.csv").text
    assert ";" not in plain.splitlines()[0]


def test_workbook(callers: Callers, tour: dict[str, Any]) -> None:
    response = callers.anonymous.get(f"{API}/tours/{tour['id']}/run-sheet.xlsx")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="kjoreplan Sykkelturen 2026.xlsx"' in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Kjøreplan"]
    head = [c.value for c in sheet[1]]
    assert head[:6] == ["stage", "county", "date", "stage_name", "row", "name"]
    assert "at_8_kmh (Europe/Oslo)" in head
    rows = [dict(zip(head, (c for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    formula = next(r for r in rows if str(r["name"].value).startswith("=HYPERLINK"))
    assert formula["name"].data_type == "s"  # text, never a formula cell
    start = next(r for r in rows if r["name"].value == "Valldal stadion")
    assert start["at_8_kmh (Europe/Oslo)"].value.isoformat() == "2026-06-03T11:30:00"
    assert start["km"].value == 0
    assert sheet.freeze_panes == "A2"
    stage = callers.anonymous.get(f"{API}/stages/{tour['first']['id']}/run-sheet.xlsx")
    assert stage.status_code == 200
