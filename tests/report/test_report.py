"""The impact report of a small tour, every total worked out by hand; its CSV read as a
spreadsheet reads it, its HTML and SVG with lxml; the partner's thank-you sheet."""

import csv
import io
import re

import pytest
from lxml import etree
from lxml import html as lxml_html

from sykkelturen.report import charts
from tests.conftest import Callers
from tests.factories import API, ok, problem
from tests.report.world import World, build


def km(metres: float) -> float:
    return round(metres / 1000, 1)


@pytest.fixture
def world(callers: Callers) -> World:
    return build(callers)


def expected_totals(world: World) -> dict[str, float | int]:
    d1, d2 = world.planned_m
    return {
        "stages": 4,
        "stages_ridden": 2,  # 1 and 3
        "stages_cancelled": 1,  # 2
        "stages_not_reported": 1,  # 4
        "km_planned": km(d1 + d2),  # 3 and 4 have no route
        "km_ridden": km(d1 + 12_500),  # 1 on its planned route, 3 as given
        "passengers": 10 + 4,
        "pilots": 2 + 0 + 1,  # 1: two confirmed (one more only invited); 2: cancelled
        "cyclists": 3 + 0 + 0,  # 1: corrected by hand from one confirmed
        "team_members": 1 + 0 + 2,
        "other_volunteers": 4 + 2 + 0,
        "volunteers": (2 + 3 + 1 + 4) + (0 + 0 + 0 + 2) + (1 + 0 + 2 + 0),
        "partners": 3,
        "contribution_hours": 6 + 3.5,
        "events_planned": 2 + 0 + 1 + 1,  # the cancelled quiz is no plan
        "events_held": 2 + 1,
        "audience_expected": 100 + 50 + 30 + 20,
        "audience": 120 + 40 + 25,
        "press_items": 3,
        "content_items": 1,  # the photo without consent stays out
    }


def test_tour_totals_by_hand(callers: Callers, world: World) -> None:
    report = ok(callers.anonymous.get(f"{API}/tours/{world.tour['id']}/report"))
    assert report["totals"] == expected_totals(world)
    d1, d2 = world.planned_m
    assert report["plan_versus_actual"] == {
        "km": {
            "planned": km(d1 + d2),
            "actual": km(d1 + 12_500),
            "percent": round(100 * km(d1 + 12_500) / km(d1 + d2), 1),
        },
        "events": {"planned": 4, "actual": 3, "percent": 75.0},
        "audience": {"planned": 200, "actual": 185, "percent": 92.5},
    }


def test_per_county_by_hand(callers: Callers, world: World) -> None:
    d1, d2 = world.planned_m
    counties = ok(callers.anonymous.get(f"{API}/tours/{world.tour['id']}/report"))["counties"]
    assert [c["county"] for c in counties] == ["15", "50"]
    more, trond = counties
    assert more["county_name"] == "Møre og Romsdal"
    assert {k: more[k] for k in expected_totals(world)} == {
        "stages": 2,
        "stages_ridden": 1,
        "stages_cancelled": 1,
        "stages_not_reported": 0,
        "km_planned": km(d1 + d2),
        "km_ridden": km(d1),
        "passengers": 10,
        "pilots": 2,
        "cyclists": 3,
        "team_members": 1,
        "other_volunteers": 6,
        "volunteers": 12,
        "partners": 2,
        "contribution_hours": 6,
        "events_planned": 2,
        "events_held": 2,
        "audience_expected": 150,
        "audience": 160,
        "press_items": 2,
        "content_items": 1,
    }
    assert {k: trond[k] for k in expected_totals(world)} == {
        "stages": 2,
        "stages_ridden": 1,
        "stages_cancelled": 0,
        "stages_not_reported": 1,
        "km_planned": 0,
        "km_ridden": 12.5,
        "passengers": 4,
        "pilots": 1,
        "cyclists": 0,
        "team_members": 2,
        "other_volunteers": 0,
        "volunteers": 3,
        "partners": 1,
        "contribution_hours": 3.5,
        "events_planned": 2,
        "events_held": 1,
        "audience_expected": 50,
        "audience": 25,
        "press_items": 1,
        "content_items": 0,
    }


def test_weeks_and_stage_lines(callers: Callers, world: World) -> None:
    d1, _ = world.planned_m
    report = ok(callers.anonymous.get(f"{API}/tours/{world.tour['id']}/report"))
    assert [
        (w["week"], w["starts_on"], w["km_ridden"], w["km_ridden_to_date"]) for w in report["weeks"]
    ] == [
        ("2026-W23", "2026-06-01", km(d1), km(d1)),
        ("2026-W24", "2026-06-08", 12.5, km(d1 + 12_500)),
    ]
    lines = {s["sequence"]: s for s in report["stages"]}
    assert lines[1]["distance_source"] == "planned_route"
    assert lines[2]["status"] == "cancelled"
    assert lines[2]["cancel_reason"] == "Storm"
    assert lines[2]["km_ridden"] == 0
    assert lines[3]["distance_source"] == "reported"
    assert lines[4]["status"] == "not_reported"
    assert lines[4]["km_ridden"] is None
    assert [c["headline"] for c in report["coverage"]] == [
        "Sykkelturen i Valldal",
        "Rickshawene kom til Valldal",
        "Levanger tok imot",
    ]
    assert [c["caption"] for c in report["content"]] == ["Passasjer på vei"]
    assert report["content"][0]["credit"] == "Foto: Fjord frivilligsentral"


def test_one_county(callers: Callers, world: World) -> None:
    report = ok(
        callers.anonymous.get(f"{API}/tours/{world.tour['id']}/report", params={"county": "50"})
    )
    assert report["county"] == "50"
    assert report["totals"]["stages"] == 2
    assert report["totals"]["km_ridden"] == 12.5
    assert report["totals"]["audience"] == 25
    assert [c["county"] for c in report["counties"]] == ["50"]
    assert [s["sequence"] for s in report["stages"]] == [3, 4]


def test_csv_as_a_spreadsheet_reads_it(callers: Callers, world: World) -> None:
    response = callers.anonymous.get(
        f"{API}/tours/{world.tour['id']}/report", headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "Accept" in response.headers["vary"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert [(r["row"], r["county"]) for r in rows] == [
        ("county", "15"),
        ("county", "50"),
        ("total", ""),
    ]
    total = rows[-1]
    for name, value in expected_totals(world).items():
        assert float(total[name]) == pytest.approx(value), name
    assert rows[0]["county_name"] == "Møre og Romsdal"
    assert int(rows[0]["passengers"]) + int(rows[1]["passengers"]) == int(total["passengers"])


def test_html_is_a_printable_page_with_svg_charts(callers: Callers, world: World) -> None:
    response = callers.anonymous.get(
        f"{API}/tours/{world.tour['id']}/report", params={"format": "html"}
    )
    assert response.headers["content-type"].startswith("text/html")
    page = lxml_html.document_fromstring(response.text)
    style = page.findtext(".//style")
    assert "@page" in style
    assert "size: A4" in style
    assert page.findtext(".//h1").startswith("Sykkelturen 2026")
    svgs = re.findall(r"<svg.*?</svg>", response.text, flags=re.S)
    assert len(svgs) == 3  # county bars, km over the weeks, route sketch
    ns = {"s": "http://www.w3.org/2000/svg"}
    bars, weeks, sketch = (etree.fromstring(svg.encode()) for svg in svgs)
    assert len(bars.findall(".//s:rect[@class='ridden']", ns)) == 2
    assert len(weeks.findall(".//s:polyline[@class='ridden']", ns)) == 1
    ridden = weeks.find(".//s:polyline[@class='ridden']", ns).get("points").split()
    assert len(ridden) == 2  # two weeks
    # Stage 1 ridden (solid); stage 2 has a route but was cancelled (dashed).
    assert len(sketch.findall(".//s:polyline[@class='ridden']", ns)) == 1
    assert len(sketch.findall(".//s:polyline[@class='planned']", ns)) == 1
    text = page.text_content()
    assert "Rickshawene kom til Valldal" in text
    assert "Foto: Fjord frivilligsentral" in text
    assert "Uten samtykke" not in text


def test_charts_escape_and_scale() -> None:
    svg = charts.county_bars("<Km>", [charts.Bar("A & B", 10, 5), charts.Bar("C", 0, 0)])
    tree = etree.fromstring(svg.encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    heights = [float(r.get("height")) for r in tree.findall(".//s:rect[@class='ridden']", ns)]
    planned = [float(r.get("height")) for r in tree.findall(".//s:rect[@class='planned']", ns)]
    assert heights[0] == pytest.approx(planned[0] / 2)
    assert heights[1] == 0
    assert tree.findtext("s:title", namespaces=ns) == "<Km>"
    empty = etree.fromstring(charts.route_sketch("x", []).encode())
    assert "Ingen ruter" in "".join(empty.itertext())


def test_report_etag_follows_the_figures(callers: Callers, world: World) -> None:
    url = f"{API}/tours/{world.tour['id']}/report"
    first = callers.anonymous.get(url)
    tag = first.headers["etag"]
    assert callers.anonymous.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert callers.anonymous.get(url, params={"format": "csv"}).headers["etag"] != tag
    s3 = world.stages[2]["id"]
    current = callers.county_50.get(f"{API}/stages/{s3}/outcome")
    body = {"status": "ridden", "distance_km": 13, "pilots": 1}
    ok(
        callers.county_50.put(
            f"{API}/stages/{s3}/outcome", json=body, headers={"If-Match": current.headers["etag"]}
        )
    )
    after = callers.anonymous.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200
    assert after.json()["totals"]["km_ridden"] == km(world.planned_m[0] + 13_000)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"format": "pdf"}, 422, "validation_failed"),
        ({"county": "1"}, 422, "validation_failed"),
        ({"county": "42"}, 404, "tour_county_not_found"),
    ],
)
def test_bad_report_request(
    callers: Callers, world: World, params: dict[str, str], status: int, code: str
) -> None:
    problem(
        callers.anonymous.get(f"{API}/tours/{world.tour['id']}/report", params=params), status, code
    )


def test_unknown_tour_or_partner_is_404(callers: Callers) -> None:
    problem(callers.anonymous.get(f"{API}/tours/4242/report"), 404, "tour_not_found")
    problem(callers.anonymous.get(f"{API}/partners/4242/report"), 404, "partner_not_found")


def test_empty_tour_reports_zeros(callers: Callers) -> None:
    tour = ok(
        callers.national.post(
            f"{API}/tours",
            json={"name": "Tom", "start_date": "2026-05-01", "end_date": "2026-05-02"},
        ),
        201,
    )
    report = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/report"))
    assert report["totals"]["stages"] == 0
    assert report["plan_versus_actual"]["km"]["percent"] is None
    assert report["weeks"] == []
    html = callers.anonymous.get(f"{API}/tours/{tour['id']}/report", params={"format": "html"})
    lxml_html.document_fromstring(html.text)


class TestPartnerSheet:
    def test_contributions_events_and_coverage(self, callers: Callers, world: World) -> None:
        p1 = world.partners[0]
        sheet = ok(callers.anonymous.get(f"{API}/partners/{p1['id']}/report"))
        assert sheet["name"] == "Fjord kommune"
        assert [(c["sequence"], c["what"], c["hours"]) for c in sheet["contributions"]] == [
            (1, "Vakter", 6)
        ]
        assert [(e["title"], e["expected"], e["came"]) for e in sheet["events"]] == [
            ("Kaffe på torget", 100, 120),
            ("Konsert", 50, 40),
        ]
        assert [c["headline"] for c in sheet["coverage"]] == ["Rickshawene kom til Valldal"]
        assert sheet["totals"] == {
            "stages": 1,
            "hours": 6,
            "events": 2,
            "audience": 160,
            "passengers": 10,
            "km_ridden": km(world.planned_m[0]),
            "press_items": 1,
        }

    def test_a_partner_with_nothing_yet(self, callers: Callers, world: World) -> None:
        lone = ok(
            callers.county_15.post(
                f"{API}/partners", json={"county": "15", "name": "Ny", "kind": "business"}
            ),
            201,
        )
        sheet = ok(callers.anonymous.get(f"{API}/partners/{lone['id']}/report"))
        assert sheet["totals"]["stages"] == 0
        assert sheet["contributions"] == sheet["events"] == sheet["coverage"] == []

    def test_html_sheet(self, callers: Callers, world: World) -> None:
        p2 = world.partners[1]
        response = callers.anonymous.get(
            f"{API}/partners/{p2['id']}/report", headers={"Accept": "text/html"}
        )
        assert response.headers["content-type"].startswith("text/html")
        page = lxml_html.document_fromstring(response.text)
        assert page.findtext(".//h1") == "Takk, Stordal bygdelag!"
        assert "Kaffe" in page.text_content()
        assert "size: A4" in page.findtext(".//style")


@pytest.mark.parametrize("who", ["anonymous", "reader", "county_50", "county_15", "national"])
def test_reports_name_nobody(callers: Callers, world: World, who: str) -> None:
    client = getattr(callers, who)
    urls = [(f"{API}/tours/{world.tour['id']}/report", fmt) for fmt in ("json", "csv", "html")] + [
        (f"{API}/partners/{p['id']}/report", fmt)
        for p in world.partners
        for fmt in ("json", "html")
    ]
    for url, fmt in urls:
        text = ok_text(client.get(url, params={"format": fmt}))
        for secret in ("Rider", "Stage Leader", "Ola Nordmann", "example.org/rider", "@example"):
            assert secret not in text, (url, fmt, secret)
        assert "Flere passasjerer" not in text  # lessons learnt stay in the outcome


def ok_text(response: object) -> str:
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    return str(response.text)  # type: ignore[attr-defined]


def test_excel_dialect_and_download_headers(callers: Callers, world: World) -> None:
    url = f"{API}/tours/{world.tour['id']}/report"
    response = callers.anonymous.get(url, params={"format": "csv", "dialect": "excel"})
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads æøå
    assert "attachment" in response.headers["content-disposition"]
    rows = list(
        csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";")
    )
    assert rows[-1]["contribution_hours"] == "9,5"
    assert rows[0]["county_name"] == "Møre og Romsdal"
    page = callers.anonymous.get(url, headers={"Accept": "text/html"})
    assert "inline" in page.headers["content-disposition"]
    assert "Accept" in page.headers["vary"]
    tag = page.headers["etag"]
    again = callers.anonymous.get(url, headers={"Accept": "text/html", "If-None-Match": tag})
    assert again.status_code == 304
    assert "Accept" in again.headers["vary"]


def test_unsupported_accept_is_406(callers: Callers, world: World) -> None:
    problem(
        callers.anonymous.get(
            f"{API}/tours/{world.tour['id']}/report", headers={"Accept": "application/pdf"}
        ),
        406,
        "not_acceptable",
    )
    problem(
        callers.anonymous.get(
            f"{API}/partners/{world.partners[0]['id']}/report", headers={"Accept": "text/csv"}
        ),
        406,
        "not_acceptable",
    )
