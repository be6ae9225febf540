"""Odd and hostile uploads (issue 13): gzip as RFC 1952 has it, other codings refused, a
cap on imported waypoints, any file name, and originals served as the GPX they are."""

import gzip
import zlib
from typing import Any
from urllib.parse import unquote

import gpxpy
import pytest

from sykkelturen.gpx import reader
from sykkelturen.gpx.reader import KEPT_WAYPOINTS
from sykkelturen.routes.service import MAX_IMPORTED_WAYPOINTS
from tests.conftest import Callers
from tests.factories import API, make_stage, ok, problem, sample, tour_with_counties


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    return make_stage(callers.county_15, tour["id"])


def put(callers: Callers, stage: dict[str, Any], body: bytes, **headers: str) -> Any:
    return callers.county_15.put(
        f"{API}/stages/{stage['id']}/route",
        content=body,
        headers={"Content-Type": "application/gpx+xml"} | headers,
    )


GPX = sample("stage_valldal_stordal.gpx")


class TestContentEncoding:
    @pytest.mark.parametrize("encoded", [True, False])
    def test_multi_member_gzip_is_one_file(
        self, callers: Callers, stage: dict[str, Any], encoded: bool
    ) -> None:
        half = len(GPX) // 2
        members = gzip.compress(GPX[:half]) + gzip.compress(GPX[half:])
        headers = {"Content-Encoding": "gzip"} if encoded else {}
        result = ok(put(callers, stage, members, **headers), 201)
        assert result["point_count"] == 1258

    def test_x_gzip_is_gzip(self, callers: Callers, stage: dict[str, Any]) -> None:
        ok(put(callers, stage, gzip.compress(GPX), **{"Content-Encoding": "x-gzip"}), 201)

    @pytest.mark.parametrize("tail", [b"garbage", b"\x00" * 8, b"\x1f"])
    def test_trailing_bytes_after_gzip_are_refused(
        self, callers: Callers, stage: dict[str, Any], tail: bytes
    ) -> None:
        response = put(callers, stage, gzip.compress(GPX) + tail, **{"Content-Encoding": "gzip"})
        problem(response, 422, "gpx_bad_gzip")

    @pytest.mark.parametrize("coding", ["deflate", "br", "compress", "zstd", "gzip, gzip"])
    def test_other_codings_are_415(
        self, callers: Callers, stage: dict[str, Any], coding: str
    ) -> None:
        found = problem(
            put(callers, stage, zlib.compress(GPX), **{"Content-Encoding": coding}),
            415,
            "unsupported_content_encoding",
        )
        assert coding in found["detail"]

    def test_a_json_body_in_gzip_is_415(self, callers: Callers) -> None:
        response = callers.national.post(
            f"{API}/tours",
            content=gzip.compress(b'{"name": "x"}'),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        problem(response, 415, "unsupported_content_encoding")
        assert response.headers["Accept-Encoding"] == "identity"

    def test_identity_is_no_coding(self, callers: Callers, stage: dict[str, Any]) -> None:
        ok(put(callers, stage, GPX, **{"Content-Encoding": "identity"}), 201)


def _waypoints_gpx(count: int) -> bytes:
    points = "".join(
        f'<wpt lat="{62 + i * 1e-4:.5f}" lon="7.1"><name>Punkt {i}</name></wpt>'
        for i in range(count)
    )
    return (
        f'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">{points}'
        '<trk><trkseg><trkpt lat="62.0" lon="7.0"/><trkpt lat="62.05" lon="7.1"/>'
        "</trkseg></trk></gpx>"
    ).encode()


class TestWaypointImport:
    def test_more_than_the_cap_is_422(self, callers: Callers, stage: dict[str, Any]) -> None:
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route?waypoints=import",
            content=_waypoints_gpx(201),
            headers={"Content-Type": "application/gpx+xml"},
        )
        found = problem(response, 422, "gpx_too_many_waypoints")
        assert "200" in found["detail"]
        problem(
            callers.anonymous.get(f"{API}/stages/{stage['id']}/route"), 404, "stage_has_no_route"
        )

    def test_the_cap_itself_is_imported(self, callers: Callers, stage: dict[str, Any]) -> None:
        result = ok(
            callers.county_15.put(
                f"{API}/stages/{stage['id']}/route?waypoints=import",
                content=_waypoints_gpx(200),
                headers={"Content-Type": "application/gpx+xml"},
            ),
            201,
        )
        assert result["checkpoints_imported"] == 200

    def test_without_import_many_waypoints_are_fine(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        ok(put(callers, stage, _waypoints_gpx(1000)), 201)


def _saved_name(disposition: str) -> str:
    """What a browser saves: `filename*` when there is one, else the plain `filename`."""
    if "filename*=UTF-8''" in disposition:
        return unquote(disposition.split("filename*=UTF-8''", 1)[1])
    return disposition.split('filename="', 1)[1].split('"', 1)[0]


class TestOriginals:
    @pytest.mark.parametrize(
        "name", ["Valldal – Stordal.gpx", "Ålesund–Ørsta 日本.gpx", "tur 'A'.gpx", "x;y.gpx"]
    )
    def test_any_file_name_is_served(
        self, callers: Callers, stage: dict[str, Any], name: str
    ) -> None:
        ok(
            callers.county_15.put(
                f"{API}/stages/{stage['id']}/route",
                files={"file": (name, GPX, "application/gpx+xml")},
            ),
            201,
        )
        original = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions/1/original")
        assert original.status_code == 200
        assert _saved_name(original.headers["content-disposition"]) == name
        assert original.content == GPX

    @pytest.mark.parametrize(
        ("name", "status", "code"),
        [
            ("a\nb.gpx", 422, "validation_failed"),
            ("tab\t.gpx", 422, "validation_failed"),
            ("nul\x00.gpx", 422, "validation_failed"),
            ("esc\x1b.gpx", 422, "validation_failed"),
            ("a\rb.gpx", 400, "bad_request"),  # a bare CR ends the part's header line
        ],
    )
    def test_a_file_name_with_control_characters_is_refused(
        self, callers: Callers, stage: dict[str, Any], name: str, status: int, code: str
    ) -> None:
        # Sent raw, as curl does (browsers and httpx percent-encode a line break).
        boundary = "b0undary"
        body = (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/gpx+xml\r\n\r\n"
            ).encode()
            + GPX
            + f"\r\n--{boundary}--\r\n".encode()
        )
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        found = problem(response, status, code)
        if status == 422:
            assert [e["field"] for e in found["errors"]] == ["body.file.filename"]
        problem(
            callers.anonymous.get(f"{API}/stages/{stage['id']}/route"), 404, "stage_has_no_route"
        )

    @pytest.mark.parametrize("part_type", ["text/html", "image/svg+xml", "application/javascript"])
    def test_the_service_decides_the_content_type(
        self, callers: Callers, stage: dict[str, Any], part_type: str
    ) -> None:
        ok(
            callers.county_15.put(
                f"{API}/stages/{stage['id']}/route", files={"file": ("tur.gpx", GPX, part_type)}
            ),
            201,
        )
        original = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions/1/original")
        assert original.headers["content-type"] == "application/gpx+xml"
        assert original.headers["x-content-type-options"] == "nosniff"

    def test_a_gzip_file_is_served_as_the_gpx_inside(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        ok(
            callers.county_15.put(
                f"{API}/stages/{stage['id']}/route",
                files={"file": ("Valldal.gpx.gz", gzip.compress(GPX), "application/gzip")},
            ),
            201,
        )
        original = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions/1/original")
        assert _saved_name(original.headers["content-disposition"]) == "Valldal.gpx"
        assert gpxpy.parse(original.text).get_track_points_no() == 1258


def _named_gpx(name: str, waypoint: str = "") -> bytes:
    return (
        '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        f"{waypoint}<trk><name>{name}</name><trkseg>"
        '<trkpt lat="62.0" lon="7.0"/><trkpt lat="62.05" lon="7.1"/></trkseg></trk></gpx>'
    ).encode()


class TestTextFromFiles:
    def test_a_track_name_over_the_limit_is_422_on_every_database(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        found = problem(put(callers, stage, _named_gpx("x" * 500)), 422, "gpx_name_too_long")
        assert "200" in found["detail"]

    def test_a_name_at_the_limit_is_kept(self, callers: Callers, stage: dict[str, Any]) -> None:
        assert ok(put(callers, stage, _named_gpx("y" * 200)), 201)["name"] == "y" * 200

    def test_names_are_kept_on_one_line_without_control_characters(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        result = ok(put(callers, stage, _named_gpx("Valldal\n\t\u0085– Stordal\u007f")), 201)
        assert result["name"] == "Valldal – Stordal"

    def test_an_imported_description_too_long_for_a_checkpoint_is_422(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        waypoint = f'<wpt lat="62.01" lon="7.01"><name>A</name><desc>{"z" * 6000}</desc></wpt>'
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route?waypoints=import",
            content=_named_gpx("Tur", waypoint),
            headers={"Content-Type": "application/gpx+xml"},
        )
        problem(response, 422, "gpx_waypoint_text_too_long")
        ok(put(callers, stage, _named_gpx("Tur", waypoint)), 201)  # not imported: fine


def test_the_import_cap_is_below_what_the_reader_keeps() -> None:
    assert MAX_IMPORTED_WAYPOINTS < KEPT_WAYPOINTS


def test_a_file_over_the_point_limit_is_refused_in_chunks(
    callers: Callers, stage: dict[str, Any], app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "CHUNK", 7)  # many chunks in a small file
    settings = app.state.settings
    monkeypatch.setattr(settings, "max_route_points", 100)
    points = "".join(f'<trkpt lat="{62 + i * 1e-4:.5f}" lon="7.0"/>' for i in range(101))
    body = f'<gpx version="1.1"><trk><trkseg>{points}</trkseg></trk></gpx>'.encode()
    problem(put(callers, stage, body), 422, "gpx_too_many_points")
    points = "".join(f'<trkpt lat="{62 + i * 1e-4:.5f}" lon="7.0"/>' for i in range(100))
    body = f'<gpx version="1.1"><trk><trkseg>{points}</trkseg></trk></gpx>'.encode()
    assert ok(put(callers, stage, body), 201)["point_count"] == 100
