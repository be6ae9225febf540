from typing import Any

import pytest

from sykkelturen import cli
from tests.conftest import Callers
from tests.factories import API, ok


def test_demo_loads_the_2022_tour_once(callers: Callers, settings_env: None) -> None:
    assert cli.main(["demo"]) == 0
    assert cli.main(["demo"]) == 0  # idempotent
    tours = ok(callers.anonymous.get(f"{API}/tours"))["items"]
    assert [t["name"] for t in tours] == ["Sykkelturen 2022"]
    tour = tours[0]
    assert (tour["start_date"], tour["end_date"]) == ("2022-05-21", "2022-08-15")
    counties = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/counties"))["items"]
    assert len(counties) == 11
    assert {c["number"] for c in counties} == {
        "03",
        "11",
        "15",
        "18",
        "30",
        "34",
        "38",
        "42",
        "46",
        "50",
        "54",
    }
    stages = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/stages", params={"limit": 500}))[
        "items"
    ]
    assert len(stages) >= 22
    assert stages[0]["start_place"] == "Nordkapplatået"
    assert stages[-1]["finish_place"] == "Pollen, Arendal"
    assert {s["county"] for s in stages} == {c["number"] for c in counties}
    valldal = next(s for s in stages if s["name"] == "Valldal – Stordal")
    assert valldal["starts_at"] == "2022-06-16T11:30:00+02:00"

    # Routes, checkpoints and statuses on some stages, once.
    route = ok(callers.anonymous.get(f"{API}/stages/{valldal['id']}/route"))
    assert (route["version"], route["status"]) == (1, "final")
    names = [
        c["name"]
        for c in ok(callers.anonymous.get(f"{API}/stages/{valldal['id']}/checkpoints"))["items"]
    ]
    assert names == [
        "Valldal stadion",
        "Rast ved Linge ferjekai",
        "Overlevering: Norddal",
        "Stordal sentrum",
    ]
    assert len(ok(callers.anonymous.get(f"{API}/stages/{valldal['id']}/legs"))["items"]) == 2
    with_routes = [
        s
        for s in stages
        if callers.anonymous.get(f"{API}/stages/{s['id']}/route").status_code == 200
    ]
    assert len(with_routes) == 9
    handovers = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/handovers"))["items"]
    staffing = ok(callers.anonymous.get(f"{API}/stages/{valldal['id']}/staffing"))
    pilots = next(r for r in staffing["roles"] if r["role"] == "pilot")
    assert (pilots["confirmed"], pilots["invited"]) == (1, 1)
    team = ok(callers.national.get(f"{API}/stages/{valldal['id']}/team"))["items"]
    assert {m["person"]["name"] for m in team} == {"Ingrid Sunde", "Berit Hove"}
    assert len(ok(callers.national.get(f"{API}/people", params={"county": "15"}))["items"]) == 5
    statuses = [
        m["status"]
        for m in ok(callers.anonymous.get(f"{API}/stages/{valldal['id']}/measures"))["items"]
    ]
    assert sorted(statuses) == ["accepted", "accepted", "draft", "submitted"]
    # The day itself on Valldal – Stordal: a corrected late start, a flat tyre, a handover.
    entries = ok(callers.anonymous.get(f"{API}/stages/{valldal['id']}/log"))["items"]
    assert [e["kind"] for e in entries][:3] == ["start", "start", "pass"]
    assert entries[0]["superseded_by"] == entries[1]["id"]
    assert entries[-1]["kind"] == "arrive"
    replay = ok(
        callers.anonymous.get(
            f"{API}/tours/{tour['id']}/live", params={"at": "2022-06-16T13:20:00+02:00"}
        )
    )
    assert replay["date"] == "2022-06-16", replay
    (live,) = replay["stages"]
    assert (live["status"], live["started_at"]) == ("paused", "2022-06-16T11:48:00+02:00")
    assert live["open_incidents"][0]["text"] is None
    assert [m["title"] for m in live["measures_at_risk"]] == [
        "Politiet holder kryssingen av fv. 63 ved Linge"
    ]
    sheet = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/run-sheet"))
    assert len(sheet["stages"]) == len(stages)
    assert sheet["overdue_measures"]  # 2022 is long past: anything not accepted is overdue
    events = ok_events(callers.anonymous.get(f"{API}/tours/{tour['id']}/events"))
    assert [e["title"] for e in events] == [
        "Kaffe ved Linge ferjekai",
        "Signalarrangement: Mer aktivitet – mer glede",
    ]
    progress = ok(callers.anonymous.get(f"{API}/stages/{valldal['id']}/progress"))
    assert progress["phase"] == "prepare"
    sheet_md = callers.anonymous.get(f"{API}/stages/{valldal['id']}/press-sheet").text
    assert "Pressekontakt Møre og Romsdal (fiktiv)" in sheet_md
    assert "Fylkeskontakt" not in sheet_md
    gaps = [round(h["gap_m"]) for h in handovers if h["gap_m"] is not None]
    assert {18, 41} <= set(gaps)  # Kristiansand → Lillesand → Grimstad → Arendal


def test_bad_configuration_is_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://somewhere/db")
    assert cli.main(["demo"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("SYKKELTUREN_MAX_BODY_BYTES", "lots")
    assert cli.main(["demo"]) == 2
    assert "MAX_BODY_BYTES" in capsys.readouterr().err


def ok_events(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()["items"]
    return body


def test_demo_shows_calendars_spreadsheets_and_the_press_sheet(
    callers: Callers, settings_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo"]) == 0
    announced = capsys.readouterr().err
    (path,) = [line.split(": ", 1)[1] for line in announced.splitlines() if "calendar feed" in line]
    assert cli.main(["demo"]) == 0  # idempotent: no second feed
    assert "calendar feed" not in capsys.readouterr().err
    feed = callers.anonymous.get(path)
    assert feed.status_code == 200
    assert "Sykkelturen etappe" in feed.text
    assert feed.headers["content-language"] == "nn"
    tour = ok(callers.anonymous.get(f"{API}/tours"))["items"][0]
    stages = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/stages", params={"limit": 500}))
    csv = callers.anonymous.get(
        f"{API}/tours/{tour['id']}/run-sheet.csv", params={"dialect": "excel"}
    ).content.decode("utf-8-sig")
    sequences = {line.split(";")[0] for line in csv.splitlines()[1:]}
    assert len(sequences) == len(stages["items"])  # every stage, with or without a route
    valldal = next(s for s in stages["items"] if s["name"] == "Valldal – Stordal")
    page = callers.anonymous.get(f"{API}/stages/{valldal['id']}/press-sheet?format=html").text
    assert "6 el-rickshawer" in page
    assert "@page { size: A4" in page


def test_demo_reports_its_first_weeks(callers: Callers, settings_env: None) -> None:
    assert cli.main(["demo"]) == 0
    assert cli.main(["demo"]) == 0  # outcomes and coverage once
    tour = ok(callers.anonymous.get(f"{API}/tours"))["items"][0]
    report = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/report"))
    totals = report["totals"]
    assert totals["stages_ridden"] == 13
    assert totals["stages_cancelled"] == 1
    assert totals["stages_not_reported"] == totals["stages"] - 14
    assert totals["km_ridden"] > 0
    assert totals["passengers"] == sum(s["passengers"] for s in report["stages"])
    assert totals["press_items"] == 2
    assert {"planned_route", "reported", "cancelled"} <= {
        s["distance_source"] for s in report["stages"] if s["distance_source"]
    }
    assert len([w for w in report["weeks"] if w["km_ridden"] > 0]) >= 4
    valldal = next(s for s in report["stages"] if s["name"] == "Valldal – Stordal")
    assert valldal["audience"] == 180 + 45
    partners = ok(callers.anonymous.get(f"{API}/partners", params={"county": "15"}))["items"]
    fjord = next(p for p in partners if p["name"] == "Fjord kommune")
    sheet = ok(callers.anonymous.get(f"{API}/partners/{fjord['id']}/report"))
    assert sheet["totals"]["hours"] == 16
    assert sheet["totals"]["press_items"] == 1
    county = callers.anonymous.get(
        f"{API}/tours/{tour['id']}/report", params={"county": "15", "format": "html"}
    )
    assert county.status_code == 200
    assert "<svg" in county.text
