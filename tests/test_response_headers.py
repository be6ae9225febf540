"""Cache-Control and security headers on every response (issues 13 and 16)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sykkelturen.config import Settings
from sykkelturen.main import create_app
from sykkelturen.response_headers import STRICT_CSP
from tests.conftest import Callers
from tests.factories import API, make_person, make_stage, tour_with_counties, upload


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    return make_stage(callers.county_15, tour["id"])


def test_personal_data_is_never_stored(callers: Callers, stage: dict[str, Any]) -> None:
    person = make_person(callers.county_15)
    for response in (
        callers.county_15.get(f"{API}/people"),
        callers.county_15.get(f"{API}/people/{person['id']}"),
        callers.county_15.get(f"{API}/people/{person['id']}/export"),
        callers.national.get(f"{API}/audit"),
        callers.national.get(f"{API}/tokens"),
        callers.county_15.get(f"{API}/stages/{stage['id']}/team"),
        callers.county_15.get(f"{API}/tours/{stage['tour_id']}/counties"),
        callers.national.get(f"{API}/tours/{stage['tour_id']}/run-sheet", params={"format": "csv"}),
        callers.county_15.get(f"{API}/me"),
    ):
        assert response.status_code == 200, response.url
        assert response.headers["cache-control"] == "private, no-store", response.url
        assert "Authorization" in response.headers["vary"]


def test_anonymous_reads_are_revalidated(callers: Callers, stage: dict[str, Any]) -> None:
    for path in ("/counties", "/tours", f"/stages/{stage['id']}"):
        response = callers.anonymous.get(API + path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"
        assert "Authorization" in response.headers["vary"]


def test_writes_errors_and_probes_are_not_stored(callers: Callers, client: TestClient) -> None:
    tour = callers.national.post(
        f"{API}/tours", json={"name": "T", "start_date": "2026-06-01", "end_date": "2026-06-30"}
    )
    assert tour.headers["cache-control"] == "private, no-store"
    for response in (
        client.get(f"{API}/stages/999"),
        client.get("/nowhere"),
        client.get("/healthz"),
        client.get("/readyz"),
    ):
        assert response.headers["cache-control"] == "no-store", response.url


def test_a_500_is_not_stored(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("unexpected")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    app.state.engine.dispose()
    assert response.status_code == 500
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_every_response_forbids_sniffing_and_referrers(
    client: TestClient, callers: Callers
) -> None:
    for response in (
        client.get("/healthz"),
        client.get(f"{API}/counties"),
        client.get(f"{API}/stages/1"),
        callers.national.get(f"{API}/me"),
        client.get("/openapi.json"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_svg_and_html_get_a_strict_policy(callers: Callers, stage: dict[str, Any]) -> None:
    upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    svg = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/profile.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.headers["content-security-policy"] == STRICT_CSP
    assert "script-src" not in STRICT_CSP
    assert "default-src 'none'" in STRICT_CSP
    sheet = callers.anonymous.get(
        f"{API}/stages/{stage['id']}/press-sheet", params={"format": "html"}
    )
    if sheet.status_code == 200:
        assert sheet.headers["content-security-policy"] == STRICT_CSP
    json_answer = callers.anonymous.get(f"{API}/stages/{stage['id']}")
    assert "content-security-policy" not in json_answer.headers


def test_the_docs_may_run_their_own_scripts(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
