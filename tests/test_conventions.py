"""HTTP conventions downloads and browsers rely on: HEAD, 406 with what is offered, Vary,
file names, list shapes, distinct 404 codes, CORS on every answer."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sykkelturen.config import Settings
from sykkelturen.downloads import content_disposition
from sykkelturen.main import create_app
from tests.conftest import Callers
from tests.factories import API, make_stage, ok, problem, tour_with_counties, upload


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    return stage


class TestHead:
    @pytest.mark.parametrize(
        "path",
        ["/tours", "/stages/{id}", "/stages/{id}/route.gpx", "/stages/{id}/run-sheet.csv"],
    )
    def test_head_answers_like_get(
        self, callers: Callers, stage: dict[str, Any], path: str
    ) -> None:
        url = API + path.format(id=stage["id"])
        got = callers.anonymous.get(url)
        head = callers.anonymous.head(url)
        assert head.status_code == 200
        assert head.content == b""
        for name in ("content-type", "content-length", "etag", "content-disposition"):
            assert head.headers.get(name) == got.headers.get(name), name

    def test_head_where_there_is_no_get(self, client: TestClient) -> None:
        response = client.head(f"{API}/measures/1/submit")
        assert response.status_code == 405
        assert "HEAD" not in response.headers["Allow"]


class TestNegotiation:
    def test_unsupported_accept_is_406_naming_the_offered_types(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        body = problem(
            callers.anonymous.get(
                f"{API}/stages/{stage['id']}/route", headers={"Accept": "text/csv"}
            ),
            406,
            "not_acceptable",
        )
        for offered in ("application/json", "application/gpx+xml", "application/geo+json"):
            assert offered in body["detail"]
        problem(
            callers.anonymous.get(f"{API}/tours", headers={"Accept": "text/csv"}),
            406,
            "not_acceptable",
        )
        problem(
            callers.anonymous.get(
                f"{API}/tours/{stage['tour_id']}/run-sheet", headers={"Accept": "image/png"}
            ),
            406,
            "not_acceptable",
        )

    @pytest.mark.parametrize(
        ("accept", "media"),
        [
            ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),
            ("text/csv;q=0.5, application/json", "application/json"),
            ("application/json;q=0.1, text/csv", "text/csv"),
            ("text/*", "text/csv"),
            ("", "application/json"),
        ],
    )
    def test_preferences_are_weighed(
        self, callers: Callers, stage: dict[str, Any], accept: str, media: str
    ) -> None:
        response = callers.anonymous.get(
            f"{API}/tours/{stage['tour_id']}/run-sheet", headers={"Accept": accept}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)

    def test_vary_on_negotiated_answers_and_their_304s(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        for url in (
            f"{API}/tours/{stage['tour_id']}/run-sheet",
            f"{API}/stages/{stage['id']}/run-sheet",
            f"{API}/stages/{stage['id']}/route",
        ):
            response = callers.anonymous.get(url)
            assert "Accept" in response.headers["Vary"].split(", "), url
            again = callers.anonymous.get(url, headers={"If-None-Match": response.headers["ETag"]})
            assert again.status_code == 304
            assert again.headers["Vary"] == response.headers["Vary"], url
        events = callers.anonymous.get(f"{API}/tours/{stage['tour_id']}/events")
        assert events.headers["Vary"] == "Accept, Accept-Language, Accept-Encoding, Authorization"

    def test_stage_run_sheet_formats(self, callers: Callers, stage: dict[str, Any]) -> None:
        url = f"{API}/stages/{stage['id']}/run-sheet"
        for fmt, media in (
            ("csv", "text/csv"),
            ("ics", "text/calendar"),
            ("geojson", "application/geo+json"),
            ("gpx", "application/gpx+xml"),
            ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ):
            by_query = callers.anonymous.get(url, params={"format": fmt})
            assert by_query.headers["content-type"].startswith(media), fmt
            assert callers.anonymous.get(f"{url}.{fmt}").content == by_query.content, fmt
            assert callers.anonymous.get(url, headers={"Accept": media}).content == (
                by_query.content
            )


class TestFileNames:
    def test_ascii_fallback_and_utf8(self) -> None:
        assert content_disposition("etappe.gpx") == 'attachment; filename="etappe.gpx"'
        assert content_disposition("Valldal – Stordal.gpx", inline=True) == (
            'inline; filename="Valldal - Stordal.gpx"; '
            "filename*=UTF-8''Valldal%20%E2%80%93%20Stordal.gpx"
        )
        assert content_disposition('kjøreplan "Ålesund"\r\n.csv').startswith(
            "attachment; filename=\"kjoreplan _Alesund_.csv\"; filename*=UTF-8''kj%C3%B8replan"
        )

    def test_every_download_names_its_file(self, callers: Callers, stage: dict[str, Any]) -> None:
        for path in (
            f"/stages/{stage['id']}/route.gpx",
            f"/stages/{stage['id']}/route.geojson",
            f"/stages/{stage['id']}/route/profile.svg",
            f"/stages/{stage['id']}/run-sheet.ics",
            f"/stages/{stage['id']}/press-sheet",
            f"/tours/{stage['tour_id']}/run-sheet.csv",
            f"/tours/{stage['tour_id']}/run-sheet.xlsx",
            f"/tours/{stage['tour_id']}/events.ics",
        ):
            disposition = callers.anonymous.get(API + path).headers["content-disposition"]
            assert 'filename="' in disposition, path
        csv = callers.anonymous.get(f"{API}/stages/{stage['id']}/run-sheet.csv")
        assert (
            "filename*=UTF-8''kj%C3%B8replan%20etappe%201%20Valldal%20%E2%80%93%20Stordal.csv"
            in (csv.headers["content-disposition"])
        )


class TestShapesAndCodes:
    def test_events_are_a_paged_list(self, callers: Callers, stage: dict[str, Any]) -> None:
        for hour in (12, 13, 14):
            ok(
                callers.county_15.post(
                    f"{API}/stages/{stage['id']}/activities",
                    json={
                        "kind": "activity",
                        "title": f"Kl. {hour}",
                        "public": True,
                        "starts_at": f"2026-06-03T{hour}:00:00+02:00",
                    },
                ),
                201,
            )
        url = f"{API}/tours/{stage['tour_id']}/events"
        first = ok(callers.anonymous.get(url, params={"limit": 2}))
        assert [e["title"] for e in first["items"]] == ["Kl. 12", "Kl. 13"]
        rest = ok(callers.anonymous.get(url, params={"limit": 2, "cursor": first["next_cursor"]}))
        assert ([e["title"] for e in rest["items"]], rest["next_cursor"]) == (["Kl. 14"], None)
        problem(callers.anonymous.get(url, params={"cursor": "bogus"}), 400, "invalid_cursor")

    def test_no_such_url_and_no_route_are_told_apart(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        bare = make_stage(callers.county_15, stage["tour_id"], sequence=2)
        problem(
            callers.anonymous.get(f"{API}/stages/{bare['id']}/route"), 404, "stage_has_no_route"
        )
        problem(callers.anonymous.get(f"{API}/stages/{bare['id']}/rute"), 404, "path_not_found")


@pytest.fixture
def browser_app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(
        settings.model_copy(
            update={"max_body_bytes": 1024, "cors_origins": ["https://frontend.example"]}
        )
    )
    yield app
    app.state.engine.dispose()


ORIGIN = {"Origin": "https://frontend.example"}


class TestBrowsers:
    def test_a_413_carries_cors_headers(self, browser_app: FastAPI) -> None:
        response = TestClient(browser_app).post(
            f"{API}/tours",
            content=b"x" * 5000,
            headers={**ORIGIN, "Content-Type": "application/json"},
        )
        problem(response, 413, "content_too_large")
        assert response.headers["Access-Control-Allow-Origin"] == "https://frontend.example"

    def test_gzip_uploads_pass_the_preflight(self, browser_app: FastAPI) -> None:
        response = TestClient(browser_app).options(
            f"{API}/stages/1/route",
            headers={
                **ORIGIN,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "Authorization, Content-Encoding, Content-Type",
            },
        )
        assert response.status_code == 200
        allowed = response.headers["Access-Control-Allow-Headers"].lower()
        assert "content-encoding" in allowed

    def test_headers_a_frontend_must_read_are_exposed(self, browser_app: FastAPI) -> None:
        response = TestClient(browser_app).get(
            f"{API}/me", headers={**ORIGIN, "Authorization": "Bearer nope"}
        )
        problem(response, 401, "unauthorized")
        exposed = response.headers["Access-Control-Expose-Headers"].lower().split(",")
        for name in ("content-disposition", "www-authenticate", "etag", "location"):
            assert name in [e.strip() for e in exposed], name
