from tests.conftest import Callers
from tests.factories import API, add_county, make_person, make_stage, make_tour, ok, upload


def test_press_sheet_in_markdown_and_html(callers: Callers) -> None:
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
    stage = make_stage(callers.county_15, tour["id"], start_time="11:30")
    upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/checkpoints",
            json={"name": "Linge ferjekai", "kind": "rest", "km": 10},
        ),
        201,
    )
    person = make_person(callers.county_15)
    ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/activities",
            json={
                "kind": "signal_event",
                "title": "Vafler & kaffe <gratis>",
                "public": True,
                "starts_at": "2026-06-03T14:30:00+02:00",
                "place_name": "Syltetorget",
                "person_ids": [person["id"]],
            },
        ),
        201,
    )
    ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/activities", json={"kind": "other", "title": "Internt"}
        ),
        201,
    )
    url = f"{API}/stages/{stage['id']}/press-sheet"

    markdown = callers.anonymous.get(url)
    assert markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert text.startswith("# Sykkelturen kommer! Etappe 1: Valldal – Stordal, 03.06.2026")
    assert "- 11:30 start fra Valldal stadion" in text
    assert "- ca. 12:30 Linge ferjekai" in text  # 10 km at 10 km/h
    assert "- 14:30 Vafler & kaffe <gratis> (Syltetorget)" in text
    assert "Internt" not in text
    assert "Presse Person, +4795555555" in text
    for private in ("Kari", "91234567", "Ola", "93012345"):
        assert private not in text

    page = callers.anonymous.get(url, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Vafler &amp; kaffe &lt;gratis&gt;" in page.text
    assert "<gratis>" not in page.text
    assert callers.anonymous.get(url, params={"format": "html"}).text == page.text
