"""The press sheet: facts from the data, each place once, nothing internal, one speed for
places and events, a printable A4 page, Markdown that renders user text as text."""

import re
from typing import Any

import pytest
from lxml import html as lxml_html

from sykkelturen.runsheet.press_sheet import MAX_PLACES
from tests.conftest import Callers
from tests.factories import API, add_county, make_person, make_stage, make_tour, ok, upload
from tests.readers import rendered_markdown


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    """Two bikes at 8 and 12 km/h from 11:30; a rest at km 10, a hazard and a finish
    checkpoint; a public signal event at the rest's passage, an internal activity."""
    tour = make_tour(callers.national)
    add_county(
        callers.national,
        tour["id"],
        "15",
        contacts=[
            {"name": "Kari Nordmann", "phone": "91234567", "role": "fylkeskontakt"},
            {"name": "Presse Person", "phone": "95555555", "role": "pressekontakt"},
        ],
    )
    stage = make_stage(callers.county_15, tour["id"], bikes=2, speeds_kmh=[8, 12])
    route = upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    points = f"{API}/stages/{stage['id']}/checkpoints"
    for body in (
        {"name": "Valldal stadion", "kind": "start", "km": 0},
        {"name": "Linge ferjekai", "kind": "rest", "km": 10, "dwell_minutes": 15},
        {"name": "Bratt utforbakke ved Gudbrandsjuvet", "kind": "hazard", "km": 12},
        {"name": "Stordal sentrum", "kind": "finish", "km": route["distance_m"] / 1000},
    ):
        ok(callers.county_15.post(points, json=body), 201)
    person = make_person(callers.county_15)
    add = f"{API}/stages/{stage['id']}/activities"
    ok(
        callers.county_15.post(
            add,
            json={
                "kind": "signal_event",
                "title": "Vafler & kaffe <gratis>",
                "public": True,
                "km": 10,
                "minutes_from_passage": 0,
                "duration_minutes": 30,
                "place_name": "Linge ferjekai",
                "person_ids": [person["id"]],
            },
        ),
        201,
    )
    ok(callers.county_15.post(add, json={"kind": "other", "title": "Internt møte"}), 201)
    return stage


def test_facts_from_the_data_and_nothing_internal(callers: Callers, stage: dict[str, Any]) -> None:
    text = callers.anonymous.get(f"{API}/stages/{stage['id']}/press-sheet").text
    assert text.startswith("# Sykkelturen kommer! Etappe 1: Valldal – Stordal, 03.06.2026")
    assert "2 el-rickshawer" in text
    assert "Seks" not in text
    assert re.search(r"Valldal stadion → Stordal sentrum: 25,1 km, \d+ m stigning", text)
    assert text.count("Stordal sentrum") == 2  # the route line and the arrival, once each
    assert text.count("Linge ferjekai") == 2  # the place and the event held there
    assert "Gudbrandsjuvet" not in text  # a hazard is for the team, not the press
    assert "Internt" not in text
    assert "Presse Person, +4795555555" in text
    for private in ("Kari", "91234567", "Ola", "93012345"):
        assert private not in text


def test_places_and_events_at_one_speed(callers: Callers, stage: dict[str, Any]) -> None:
    text = callers.anonymous.get(f"{API}/stages/{stage['id']}/press-sheet").text
    # km 10 at 8 km/h: 11:30 + 75 min. The event "at the passage" starts then too.
    assert "- ca. 12:45 Linge ferjekai" in text
    assert "- 12:45 Signalarrangement: Vafler \\& kaffe \\<gratis\\> (Linge ferjekai)" in text
    assert "Tidene gjelder ved 8 km/t; i raskere tempo kan vi komme inntil" in text


def test_markdown_escapes_what_users_typed(callers: Callers, stage: dict[str, Any]) -> None:
    ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/activities",
            json={
                "kind": "entertainment",
                "title": "<script>alert(1)</script> *fest* [lenke](javascript:x) &amp;",
                "public": True,
                "starts_at": "2026-06-03T15:00:00+02:00",
            },
        ),
        201,
    )
    markdown = callers.anonymous.get(f"{API}/stages/{stage['id']}/press-sheet").text
    rendered = rendered_markdown(markdown)
    assert "<script" not in rendered
    assert "<em>" not in rendered
    assert "<a " not in rendered
    page = lxml_html.fromstring(rendered)
    assert "<script>alert(1)</script> *fest* [lenke](javascript:x) &amp;" in page.text_content()
    assert "Vafler & kaffe <gratis>" in page.text_content()


def test_printable_page(callers: Callers, stage: dict[str, Any]) -> None:
    response = callers.anonymous.get(
        f"{API}/stages/{stage['id']}/press-sheet", headers={"Accept": "text/html"}
    )
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept, Accept-Language, Accept-Encoding, Authorization"
    assert response.headers["content-language"] == "nb"
    assert "filename=" in response.headers["content-disposition"]
    page = lxml_html.fromstring(response.content)
    assert page.get("lang") == "nb"
    css = page.findtext(".//style")
    assert "@page { size: A4 portrait" in css
    assert "break-inside: avoid" in css
    svgs = page.findall(".//{http://www.w3.org/2000/svg}svg") or page.findall(".//svg")
    assert len(svgs) == 2  # the elevation profile and the route sketch
    assert "Vafler &amp; kaffe &lt;gratis&gt;" in response.text
    assert "<gratis>" not in response.text
    assert "Gudbrandsjuvet" not in response.text  # not on the profile either
    assert (
        callers.anonymous.get(
            f"{API}/stages/{stage['id']}/press-sheet", params={"format": "html"}
        ).text
        == response.text
    )


def test_one_page_however_many_places(callers: Callers, stage: dict[str, Any]) -> None:
    points = f"{API}/stages/{stage['id']}/checkpoints"
    for number in range(MAX_PLACES + 5):
        ok(
            callers.county_15.post(
                points,
                json={"name": f"Møteplass {number}", "kind": "meeting_point", "km": 1 + number},
            ),
            201,
        )
    page = lxml_html.fromstring(
        callers.anonymous.get(f"{API}/stages/{stage['id']}/press-sheet?format=html").content
    )
    schedule = page.xpath("//section[h2='Tider']/ul/li")
    assert len(schedule) <= MAX_PLACES + 3  # start, the places shown, "and N more", arrival
    assert any("steder til i kjøreplanen" in li.text_content() for li in schedule)


def test_nynorsk(callers: Callers, stage: dict[str, Any]) -> None:
    response = callers.anonymous.get(
        f"{API}/stages/{stage['id']}/press-sheet", params={"lang": "nn"}
    )
    assert response.headers["content-language"] == "nn"
    assert response.text.startswith("# Sykkelturen kjem! Etappe 1")
    assert "2 el-rickshawar" in response.text
    assert "Tidene gjeld ved 8 km/t" in response.text


def test_without_a_route(callers: Callers, stage: dict[str, Any]) -> None:
    bare = make_stage(callers.county_15, stage["tour_id"], sequence=2, bikes=1)
    text = callers.anonymous.get(f"{API}/stages/{bare['id']}/press-sheet").text
    assert "Én el-rickshaw" in text
    assert "Ruten er ikke klar ennå" in text
    page = callers.anonymous.get(f"{API}/stages/{bare['id']}/press-sheet?format=html").text
    assert "<svg" not in page
