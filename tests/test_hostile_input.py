"""Hostile and odd input (issue 13): never a 500, never a flood of log, always a problem
that names what was wrong."""

import base64
import importlib
import json
import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from sykkelturen.bodies import RequestBody
from tests.conftest import Callers
from tests.factories import API, if_match, make_stage, ok, problem, tour_with_counties, upload


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    return make_stage(callers.county_15, tour["id"])


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class TestDeeplyNestedJson:
    @pytest.mark.parametrize("depth", [40, 600, 900, 1500, 100_000])
    def test_is_400_without_a_traceback(
        self, callers: Callers, caplog: pytest.LogCaptureFixture, depth: int
    ) -> None:
        body = (
            '{"name": "x", "start_date": "2026-06-01", "end_date": "2026-06-30", '
            f'"description": {_nested(depth)}}}'
        )
        with caplog.at_level(logging.INFO):
            response = callers.national.post(
                f"{API}/tours", content=body, headers={"Content-Type": "application/json"}
            )
        problem(response, 400, "json_too_deep")
        assert sum(len(r.getMessage()) + len(r.exc_text or "") for r in caplog.records) < 2000

    @pytest.mark.parametrize(
        ("method", "path"),
        [("post", "/stages/{id}/checkpoints"), ("patch", "/stages/{id}"), ("post", "/people")],
    )
    def test_every_json_endpoint_refuses_it(
        self, callers: Callers, stage: dict[str, Any], method: str, path: str
    ) -> None:
        body = '{"name": ' + '{"a": ' * 700 + "1" + "}" * 700 + "}"
        response = callers.county_15.request(
            method.upper(),
            API + path.format(id=stage["id"]),
            content=body,
            headers={"Content-Type": "application/json", "If-Match": "*"},
        )
        problem(response, 400, "json_too_deep")

    def test_ordinary_nesting_still_works(self, callers: Callers, stage: dict[str, Any]) -> None:
        ok(
            callers.county_15.patch(
                f"{API}/stages/{stage['id']}",
                json={"needs": {"team": {"stage_leader": 1}}},
                headers={"If-Match": "*"},
            )
        )


OVERFLOWING = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]


class TestOverflowingDateTimes:
    @pytest.mark.parametrize("moment", OVERFLOWING)
    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/stages/{id}/outreach", {"channel": "phone"}, "contacted_at"),
            ("/stages/{id}/activities", {"kind": "other", "title": "x"}, "starts_at"),
            ("/stages/{id}/measures", {"kind": "first_aid", "title": "x"}, "starts_at"),
            ("/stages/{id}/content", {"kind": "article"}, "published_at"),
        ],
    )
    def test_bodies_are_422_naming_the_field(
        self,
        callers: Callers,
        stage: dict[str, Any],
        moment: str,
        path: str,
        body: dict[str, Any],
        field: str,
    ) -> None:
        response = callers.county_15.post(
            API + path.format(id=stage["id"]), json=body | {field: moment}
        )
        found = problem(response, 422, "validation_failed")
        assert [e["field"] for e in found["errors"]] == [f"body.{field}"]

    @pytest.mark.parametrize("moment", OVERFLOWING)
    @pytest.mark.parametrize("parameter", ["since", "until"])
    def test_audit_queries_are_422(self, callers: Callers, moment: str, parameter: str) -> None:
        response = callers.national.get(f"{API}/audit", params={parameter: moment})
        found = problem(response, 422, "validation_failed")
        assert [e["field"] for e in found["errors"]] == [f"query.{parameter}"]

    def test_the_far_past_and_future_that_convert_are_taken(self, callers: Callers) -> None:
        ok(callers.national.get(f"{API}/audit", params={"since": "0001-01-02T00:00:00Z"}))
        ok(callers.national.get(f"{API}/audit", params={"until": "9999-12-30T00:00:00+14:00"}))


class TestControlCharacters:
    @pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ufffe"])
    def test_a_name_with_one_is_422_naming_the_field(
        self, callers: Callers, stage: dict[str, Any], character: str
    ) -> None:
        response = callers.county_15.post(
            f"{API}/stages/{stage['id']}/checkpoints",
            json={"name": f"Linge{character}kai", "kind": "rest", "lat": 62.3, "lon": 7.2},
        )
        found = problem(response, 422, "validation_failed")
        assert [e["field"] for e in found["errors"]] == ["body.name"]

    @pytest.mark.parametrize("character", ["\n", "\t", "\r"])
    def test_single_line_text_refuses_line_breaks_and_tabs(
        self, callers: Callers, stage: dict[str, Any], character: str
    ) -> None:
        response = callers.county_15.patch(
            f"{API}/stages/{stage['id']}",
            json={"start_place": f"Valldal{character}stadion"},
            headers={"If-Match": "*"},
        )
        found = problem(response, 422, "validation_failed")
        assert [e["field"] for e in found["errors"]] == ["body.start_place"]

    def test_free_text_keeps_lines_and_tabs_with_unix_newlines(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        updated = ok(
            callers.county_15.patch(
                f"{API}/stages/{stage['id']}",
                json={"notes": "Ferje 13:10\r\nRegn:\tta med tepper\rSlutt"},
                headers={"If-Match": "*"},
            )
        )
        assert updated["notes"] == "Ferje 13:10\nRegn:\tta med tepper\nSlutt"

    def test_free_text_still_refuses_other_control_characters(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        response = callers.county_15.patch(
            f"{API}/stages/{stage['id']}", json={"notes": "a\x0cb"}, headers={"If-Match": "*"}
        )
        found = problem(response, 422, "validation_failed")
        assert [e["field"] for e in found["errors"]] == ["body.notes"]

    def test_nested_text_is_checked_too(self, callers: Callers) -> None:
        tour = ok(
            callers.national.post(
                f"{API}/tours",
                json={"name": "T", "start_date": "2026-06-01", "end_date": "2026-06-30"},
            ),
            201,
        )
        response = callers.national.post(
            f"{API}/tours/{tour['id']}/counties",
            json={
                "number": "15",
                "start_date": "2026-06-01",
                "end_date": "2026-06-07",
                "contacts": [{"name": "Kari\x07Nordmann"}],
            },
        )
        found = problem(response, 422, "validation_failed")
        assert found["errors"][0]["field"] == "body.contacts"
        assert "contacts.0.name" in found["errors"][0]["message"]

    @pytest.mark.parametrize(
        ("path", "params", "field"),
        [
            ("/people", {"q": "Kari\x00"}, "q"),
            ("/partners", {"q": "lag\x00"}, "q"),
            ("/people", {"organisation": "x\x1b"}, "organisation"),
        ],
    )
    def test_queries_with_nul_or_control_characters_are_422(
        self, callers: Callers, path: str, params: dict[str, str], field: str
    ) -> None:
        found = problem(callers.national.get(API + path, params=params), 422, "validation_failed")
        assert [e["field"] for e in found["errors"]] == [f"query.{field}"]

    def test_what_is_stored_keeps_every_output_valid_xml(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        bad = callers.county_15.post(
            f"{API}/stages/{stage['id']}/checkpoints",
            json={"name": "Linge\x0bkai", "kind": "rest", "km": 3},
        )
        problem(bad, 422, "validation_failed")
        ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/checkpoints",
                json={"name": "Linge kai", "kind": "rest", "km": 3},
            ),
            201,
        )
        for path in ("route.gpx", "route/profile.svg"):
            response = callers.anonymous.get(f"{API}/stages/{stage['id']}/{path}")
            etree.fromstring(ok_bytes(response))
        etree.fromstring(
            ok_bytes(callers.anonymous.get(f"{API}/tours/{stage['tour_id']}/run-sheet?format=gpx"))
        )


def ok_bytes(response: Any) -> bytes:
    assert response.status_code == 200, response.text
    body: bytes = response.content
    return body


def test_the_document_declares_the_text_rule(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "\\u0000" in schemas["CheckpointCreate"]["properties"]["name"]["pattern"]
    assert "\\n" in schemas["CheckpointCreate"]["properties"]["name"]["pattern"]
    notes = schemas["CheckpointCreate"]["properties"]["notes"]["anyOf"][0]["pattern"]
    assert "\\n" not in notes


def _public_reads(client: TestClient) -> list[str]:
    document = client.get("/openapi.json").json()
    paths = []
    for path, operations in document["paths"].items():
        if not path.startswith(API):
            continue  # /healthz and /readyz: load balancers' probes look up no token
        get = operations.get("get")
        if get is not None and {} in get.get("security", []):
            paths.append(path)
    return paths


class TestPresentedTokens:
    def test_every_public_read_refuses_a_made_up_token(self, client: TestClient) -> None:
        reads = _public_reads(client)
        assert len(reads) > 25
        answers = {}
        for path in reads:
            concrete = re.sub(r"\{[a-z_]+\}", "1", path.replace("{county_number}", "15"))
            response = client.get(concrete, headers={"Authorization": "Bearer made-up"})
            answers[path] = response.status_code
            if response.status_code == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert {path for path, status in answers.items() if status != 401} == set()

    def test_a_revoked_token_is_401_on_a_public_read(self, callers: Callers) -> None:
        me = ok(callers.reader.get(f"{API}/me"))
        token_url = f"{API}/tokens/{me['token_id']}"
        ok(callers.national.delete(token_url, headers=if_match(callers.national, token_url)))
        problem(callers.reader.get(f"{API}/tours"), 401, "unauthorized")
        problem(callers.reader.get(f"{API}/counties"), 401, "unauthorized")
        ok(callers.anonymous.get(f"{API}/tours"))


class TestQueryParameters:
    def test_an_unknown_parameter_is_400_naming_it(self, callers: Callers) -> None:
        found = problem(
            callers.anonymous.get(f"{API}/tours/1/stages", params={"countty": "15"}),
            400,
            "unknown_query_parameter",
        )
        assert [e["field"] for e in found["errors"]] == ["query.countty"]
        assert "`county`" in found["detail"]

    def test_every_unknown_one_is_named(self, callers: Callers) -> None:
        found = problem(
            callers.anonymous.get(f"{API}/counties", params={"b": "1", "a": "2", "year": "2022"}),
            400,
            "unknown_query_parameter",
        )
        assert [e["field"] for e in found["errors"]] == ["query.a", "query.b"]

    def test_known_parameters_of_dependencies_are_known(self, callers: Callers) -> None:
        ok(callers.anonymous.get(f"{API}/tours", params={"limit": "5"}))
        ok(callers.anonymous.get(f"{API}/counties", params={"year": "2022"}))


class TestAnotherCountysPerson:
    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/stages/{stage}/team", {"role": "host"}, "person_id"),
            ("/stages/{stage}/riders", {"role": "cyclist"}, "person_id"),
            ("/stages/{stage}/measures", {"kind": "other", "title": "x"}, "responsible_person_id"),
            ("/stages/{stage}/activities", {"kind": "other", "title": "x"}, "person_ids"),
            ("/partners", {"county": "15", "name": "x", "kind": "other"}, "contact_person_id"),
        ],
    )
    def test_answers_exactly_like_an_unknown_person(
        self, callers: Callers, stage: dict[str, Any], path: str, body: dict[str, Any], field: str
    ) -> None:
        other = ok(
            callers.county_50.post(f"{API}/people", json={"county": "50", "name": "Per"}), 201
        )
        unknown = other["id"] + 1000
        url = API + path.format(stage=stage["id"])

        def answer(person_id: int) -> dict[str, Any]:
            value: object = [person_id] if field == "person_ids" else person_id
            found = problem(
                callers.national.post(url, json=body | {field: value}), 422, "unknown_reference"
            )
            found.pop("request_id")
            found["detail"] = found["detail"].replace(f"person {person_id}", "person N")
            return found

        assert answer(other["id"]) == answer(unknown)
        assert "50" not in answer(other["id"])["detail"]


def _cursor(values: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


class TestCursors:
    @pytest.mark.parametrize(
        ("path", "values"),
        [
            ("/tours", ["abc"]),
            ("/tours", [True]),
            ("/tours", [1.5]),
            ("/tours", [2**40]),
            ("/counties", [15]),
            ("/counties", ["1\u0000"]),
            ("/tours/{tour}/stages", ["one"]),
            ("/people", [{"a": 1}]),
        ],
    )
    def test_a_cursor_of_the_wrong_type_is_400(
        self, callers: Callers, stage: dict[str, Any], path: str, values: list[object]
    ) -> None:
        url = API + path.format(tour=stage["tour_id"])
        problem(
            callers.national.get(url, params={"cursor": _cursor(values)}), 400, "invalid_cursor"
        )

    def test_an_issued_cursor_still_pages(self, callers: Callers) -> None:
        first = ok(callers.anonymous.get(f"{API}/counties", params={"limit": 2}))
        second = ok(
            callers.anonymous.get(
                f"{API}/counties", params={"limit": 2, "cursor": first["next_cursor"]}
            )
        )
        assert second["items"][0]["number"] > first["items"][-1]["number"]


def _subclasses(cls: type[RequestBody]) -> list[type[RequestBody]]:
    found: list[type[RequestBody]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_text_limit_fits_its_column() -> None:
    """The limits a body declares (maxLength in the document) fit the columns the text
    is stored in, so no database refuses (PostgreSQL) or keeps (SQLite) more than the API
    says: a longer value is a 422 from validation on both."""
    checked = 0
    for model in _subclasses(RequestBody):
        module = importlib.import_module(model.__module__)
        table = next(
            (
                obj
                for name, obj in vars(module).items()
                if getattr(obj, "__table__", None) is not None
                and model.__name__.removesuffix("Create").removesuffix("Update") == name
            ),
            None,
        )
        if table is None:
            continue
        properties = model.model_json_schema()["properties"]
        for name in model.model_fields:
            column = table.__table__.columns.get(name)
            length = getattr(getattr(column, "type", None), "length", None)
            if length is None:
                continue
            declared = properties[name]
            for variant in [declared, *declared.get("anyOf", [])]:
                if variant.get("type") != "string" or {"enum", "format"} & set(variant):
                    continue
                if variant.get("pattern", "").endswith("{2}$"):
                    continue  # a county number: two digits
                limit = variant.get("maxLength")
                assert limit is not None, f"{model.__name__}.{name} declares no maxLength"
                assert limit <= length, f"{model.__name__}.{name}: {limit} > column {length}"
                checked += 1
    assert checked > 30
