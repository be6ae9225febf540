"""Behaviour every endpoint shares: problems for every failure, request ids, limits, CORS."""

import gzip
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm.exc import StaleDataError

from sykkelturen.config import Settings
from sykkelturen.logs import JsonFormatter
from sykkelturen.main import create_app
from tests.conftest import Callers
from tests.factories import API, make_stage, make_tour, problem, tour_with_counties


class TestProblems:
    def test_unknown_path_is_404(self, client: TestClient) -> None:
        body = problem(client.get("/api/v1/nothing-here"), 404, "path_not_found")
        assert body["instance"] == "/api/v1/nothing-here"
        assert body["type"] == "urn:sykkelturen:problem:path_not_found"

    def test_wrong_method_is_405(self, client: TestClient) -> None:
        response = client.put(f"{API}/counties")
        problem(response, 405, "method_not_allowed")
        assert response.headers["Allow"] == "GET, HEAD"

    def test_405_allows_every_method_of_the_path(self, client: TestClient) -> None:
        # Two routes serve /tours (GET and POST): Starlette alone would name only one.
        response = client.put(f"{API}/tours")
        problem(response, 405, "method_not_allowed")
        assert response.headers["Allow"] == "GET, HEAD, POST"

    def test_malformed_json_is_400(self, callers: Callers) -> None:
        response = callers.national.post(
            f"{API}/tours", content=b'{"name": ', headers={"Content-Type": "application/json"}
        )
        problem(response, 400, "malformed_json")

    def test_validation_lists_every_field(self, callers: Callers) -> None:
        body = problem(
            callers.national.post(f"{API}/tours", json={"name": 5, "start_date": "x"}),
            422,
            "validation_failed",
        )
        fields = {e["field"] for e in body["errors"]}
        assert {"body.name", "body.start_date", "body.end_date"} <= fields

    def test_json_array_instead_of_object_is_422(self, callers: Callers) -> None:
        problem(callers.national.post(f"{API}/tours", json=[1, 2]), 422, "validation_failed")


@pytest.fixture
def small_app(settings: Settings) -> Iterator[FastAPI]:
    """The app with a 1 KiB body limit and a route that fails unexpectedly."""
    app = create_app(
        settings.model_copy(
            update={"max_body_bytes": 1024, "cors_origins": ["https://frontend.example"]}
        )
    )

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    @app.get("/stale")
    def stale() -> None:
        # What PostgreSQL gives the second of two writers that both passed If-Match.
        raise StaleDataError("UPDATE statement on table 'stage' expected to update 1 row(s)")

    yield app
    app.state.engine.dispose()


class TestLimitsAndFailures:
    def test_a_lost_compare_and_set_is_412(self, small_app: FastAPI) -> None:
        body = problem(TestClient(small_app).get("/stale"), 412, "precondition_failed")
        assert "UPDATE" not in body["detail"]

    def test_body_over_limit_with_length_is_413_problem(
        self, small_app: FastAPI, callers: Callers
    ) -> None:
        client = TestClient(
            small_app, headers={"Authorization": callers.national.headers["Authorization"]}
        )
        response = client.post(
            f"{API}/tours", content=b"x" * 5000, headers={"Content-Type": "application/json"}
        )
        problem(response, 413, "content_too_large")

    def test_body_over_limit_streamed_is_413_problem(
        self, small_app: FastAPI, callers: Callers
    ) -> None:
        client = TestClient(
            small_app, headers={"Authorization": callers.national.headers["Authorization"]}
        )

        def chunks() -> Iterator[bytes]:
            for _ in range(10):
                yield b"x" * 500

        response = client.post(
            f"{API}/tours", content=chunks(), headers={"Content-Type": "application/json"}
        )
        problem(response, 413, "content_too_large")

    def test_unexpected_error_is_500_problem_without_internals(self, small_app: FastAPI) -> None:
        response = TestClient(small_app, raise_server_exceptions=False).get("/boom")
        body = problem(response, 500, "internal_error")
        assert "passwd" not in response.text
        assert "Traceback" not in response.text
        assert body["request_id"] == response.headers["X-Request-ID"]

    def test_a_500_is_logged_under_its_request_id(
        self, small_app: FastAPI, caplog: pytest.LogCaptureFixture
    ) -> None:
        client = TestClient(small_app, raise_server_exceptions=False)
        with caplog.at_level(logging.ERROR, logger="sykkelturen"):
            client.get("/boom", headers={"X-Request-ID": "feil-1"})
        (record,) = [r for r in caplog.records if r.name == "sykkelturen"]
        line = json.loads(JsonFormatter().format(record))
        assert line["request_id"] == "feil-1"
        assert line["level"] == "error"
        assert "secret internals" in line["exception"]  # in the log, never in the answer

    def test_cors_preflight_for_the_frontend(self, small_app: FastAPI) -> None:
        response = TestClient(small_app).options(
            f"{API}/tours",
            headers={
                "Origin": "https://frontend.example",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "If-Match, Authorization",
            },
        )
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "https://frontend.example"

    def test_gzip_json_is_not_silently_accepted(self, callers: Callers) -> None:
        response = callers.national.post(
            f"{API}/tours",
            content=gzip.compress(b"{}"),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code in (400, 422)
        assert response.headers["content-type"].startswith("application/problem+json")


class TestJsonTypes:
    """Bodies are JSON: pydantic's lax Python-mode coercions do not apply."""

    TOUR = {"name": "Sykkelturen", "start_date": "2026-06-01", "end_date": "2026-08-01"}
    STAGE = {
        "sequence": 1,
        "county": "15",
        "name": "Etappe",
        "date": "2026-06-02",
        "start_place": "A",
        "finish_place": "B",
    }

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("start_date", 0),  # not 1970-01-01
            ("start_date", "0"),
            ("speeds_kmh", [True]),  # not 1.0
            ("name", 5),
        ],
    )
    def test_wrong_json_type_is_422(self, callers: Callers, field: str, value: object) -> None:
        body = problem(
            callers.national.post(f"{API}/tours", json={**self.TOUR, field: value}),
            422,
            "validation_failed",
        )
        assert [e["field"].startswith(f"body.{field}") for e in body["errors"]] == [True], body

    def test_boolean_for_integer_is_422(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        response = callers.national.post(
            f"{API}/tours/{tour['id']}/stages", json={**self.STAGE, "sequence": False}
        )
        body = problem(response, 422, "validation_failed")
        assert body["errors"][0]["field"] == "body.sequence"

    def test_integral_number_is_an_integer(self, callers: Callers) -> None:
        # JSON Schema's integer includes 1.0, so the service takes it.
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.national, tour["id"], sequence=1.0, bikes=6.0)
        assert (stage["sequence"], stage["bikes"]) == (1, 6)

    def test_lone_surrogate_is_422(self, callers: Callers) -> None:
        response = callers.national.post(
            f"{API}/tours",
            content=rb'{"name": "\ud800", "start_date": "2026-06-01", "end_date": "2026-08-01"}',
            headers={"Content-Type": "application/json"},
        )
        problem(response, 422, "validation_failed")

    def test_iso_dates_only_in_queries(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        response = callers.anonymous.get(f"{API}/tours/{tour['id']}/stages?date_to=0")
        problem(response, 422, "validation_failed")

    def test_id_beyond_the_database_is_422(self, client: TestClient) -> None:
        problem(client.get(f"{API}/tours/{2**70}"), 422, "validation_failed")


class TestRequestIds:
    def test_a_sane_id_is_echoed(self, client: TestClient) -> None:
        assert (
            client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
            == "abc-123"
        )

    def test_an_unsafe_id_is_replaced(self, client: TestClient) -> None:
        response = client.get("/healthz", headers={"X-Request-ID": "bad id\twith tabs"})
        assert response.headers["X-Request-ID"] != "bad id\twith tabs"
        assert len(response.headers["X-Request-ID"]) == 32


class TestHealth:
    def test_liveness(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_readiness_checks_the_database(self, client: TestClient) -> None:
        assert client.get("/readyz").json() == {"status": "ok"}

    def test_readiness_fails_without_database(self, settings: Settings, tmp_path: object) -> None:
        broken = create_app(
            settings.model_copy(
                update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
            )
        )
        problem(TestClient(broken).get("/readyz"), 503, "service_unavailable")
        broken.state.engine.dispose()
