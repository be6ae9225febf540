"""The committed OpenAPI document is the contract integrators generate clients from."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from sykkelturen.cli import openapi_document
from sykkelturen.config import Settings

METHODS = {"get", "post", "put", "patch", "delete"}
REDOCLY = "2.77.0"  # the version the Makefile's lint-openapi runs


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_committed_document_is_current(repo_root: Path, settings: Settings) -> None:
    committed = (repo_root / "openapi" / "openapi.json").read_text("utf-8")
    assert committed == openapi_document(settings), (
        "run `make openapi` and commit openapi/openapi.json"
    )


def test_every_operation_has_id_summary_and_tag(document: dict[str, Any]) -> None:
    ids = []
    for path, method, operation in _operations(document):
        assert operation.get("operationId"), (path, method)
        assert operation.get("summary"), (path, method)
        assert operation.get("tags"), (path, method)
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


def test_errors_are_declared_as_problems(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        errors = {code: r for code, r in operation["responses"].items() if code[0] in "45"}
        if path.startswith("/api/v1/"):
            assert errors, (path, method)
        for code, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"], (path, method, code)
    assert "code" in document["components"]["schemas"]["ProblemDetails"]["required"]


def test_fixed_field_names(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert {"id", "name", "year", "start_date", "end_date", "speeds_kmh"} <= schemas["TourPublic"][
        "properties"
    ].keys()
    assert {
        "id",
        "tour_id",
        "sequence",
        "county",
        "name",
        "date",
        "start_time",
        "start_place",
        "finish_place",
        "speeds_kmh",
        "bikes",
    } <= schemas["StagePublic"]["properties"].keys()
    assert {"number", "start_date", "end_date"} <= schemas["TourCountyPublic"]["properties"].keys()
    assert {"items", "next_cursor"} <= schemas["Page_StagePublic_"]["properties"].keys()
    assert json.dumps(document)  # serialisable as committed


def test_anonymous_reads_are_declared_with_an_optional_token(document: dict[str, Any]) -> None:
    operations = {op["operationId"]: op for _, _, op in _operations(document)}
    for public in ("list_tours", "read_stage", "tour_run_sheet", "list_counties", "read_me"):
        assert {} in operations[public]["security"], public
    for private in ("list_people", "read_person", "list_tokens", "list_audit_entries"):
        assert {} not in operations[private]["security"], private
    for write in ("create_tour", "update_stage", "upload_route", "delete_measure"):
        assert {} not in operations[write]["security"], write


def test_shared_problems_are_declared_where_they_can_happen(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        where = (path, method)
        if operation.get("security"):
            assert "401" in responses, where  # a bad token, on public reads too
        body = operation.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            assert "`malformed_json`" in responses["400"]["description"], where
            assert "413" in responses, where
        parameters = {p["name"]: p for p in operation.get("parameters", [])}
        if "cursor" in parameters:
            assert "`invalid_cursor`" in responses["400"]["description"], where
        if "If-Match" in parameters:
            assert parameters["If-Match"]["required"], where
            assert {"412", "428"} <= responses.keys(), where


def test_servers_and_tags(document: dict[str, Any]) -> None:
    assert document["servers"][0]["url"] == "/"
    declared = {tag["name"] for tag in document["tags"]}
    used = {tag for _, _, operation in _operations(document) for tag in operation["tags"]}
    assert used <= declared
    assert all(tag.get("description") for tag in document["tags"])


def test_response_headers_are_declared(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert set(document["components"]["headers"]) >= {"ETag", "Location", "Content-Disposition"}
    stage = paths["/api/v1/stages/{stage_id}"]
    assert "ETag" in stage["get"]["responses"]["200"]["headers"]
    assert "ETag" in stage["patch"]["responses"]["200"]["headers"]
    created = paths["/api/v1/tours"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "ETag"} <= set(created)
    download = paths["/api/v1/stages/{stage_id}/route.gpx"]["get"]["responses"]["200"]
    assert "Content-Disposition" in download["headers"]
    unauthorized = paths["/api/v1/people"]["get"]["responses"]["401"]["headers"]
    assert "WWW-Authenticate" in unauthorized


def test_every_format_is_typed_and_has_its_own_path(document: dict[str, Any]) -> None:
    paths = document["paths"]
    for owner in ("/api/v1/tours/{tour_id}", "/api/v1/stages/{stage_id}"):
        negotiated = paths[f"{owner}/run-sheet"]["get"]["responses"]["200"]["content"]
        assert set(negotiated) == {
            "application/json",
            "text/csv",
            "text/calendar",
            "application/geo+json",
            "application/gpx+xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
        for media, content in negotiated.items():
            assert content["schema"].get("type") or content["schema"].get("$ref"), media
        for suffix in ("csv", "ics", "geojson", "gpx", "xlsx"):
            operation = paths[f"{owner}/run-sheet.{suffix}"]["get"]
            (content,) = operation["responses"]["200"]["content"].values()
            assert content["schema"]["type"] in ("string", "object"), suffix


def test_every_operation_may_answer_406(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        assert "406" in operation["responses"], (path, method)


@pytest.mark.skipif(shutil.which("npx") is None, reason="node is not installed")
def test_redocly_recommended_rules_pass(repo_root: Path) -> None:
    """Redocly CLI's `recommended` rules, as an integrator's linter runs them: 0 errors.
    (The same as `make lint-openapi`; needs node and the npm registry once.)"""
    npx = shutil.which("npx")
    assert npx is not None
    result = subprocess.run(
        [
            npx,
            "--yes",
            f"@redocly/cli@{REDOCLY}",
            "lint",
            "--format=json",
            "openapi/openapi.json",
        ],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stdout[result.stdout.index("{") :])
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert errors == [], json.dumps(errors, indent=1)[:3000]
