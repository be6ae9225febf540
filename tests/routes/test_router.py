import gzip
import hashlib
import xml.etree.ElementTree as ET
from typing import Any

import gpxpy
import numpy as np
import pytest
from sqlmodel import Session, select

from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.routes.models import RouteVersion
from tests.conftest import Callers
from tests.factories import (
    API,
    STALE,
    act,
    if_match,
    make_stage,
    ok,
    problem,
    sample,
    tour_with_counties,
    upload,
)


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    return make_stage(callers.county_15, tour["id"])


def haversine_length(name: str) -> float:
    """An independent measure: haversine on the mean Earth radius over every joined point."""
    parsed = gpxpy.parse(sample(name).decode("utf-8"))
    points: list[Any] = [p for t in parsed.tracks for s in t.segments for p in s.points]
    points = points or [p for r in parsed.routes for p in r.points]
    lat = np.radians([p.latitude for p in points])
    lon = np.radians([p.longitude for p in points])
    a = (
        np.sin(np.diff(lat) / 2) ** 2
        + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    )
    return float(np.sum(2 * 6_371_008.8 * np.arcsin(np.sqrt(a))))


class TestUpload:
    @pytest.mark.parametrize(
        "name",
        [
            "stage_valldal_stordal.gpx",
            "stage_steep_descent.gpx",
            "stage_partial_elevation.gpx",
            "stage_no_elevation.gpx",
            "stage_two_segments_gap.gpx",
            "stage_route_only.gpx",
            "gpxgo__visnjan.gpx",
            "gpxstudio__with_tracks_and_segments.gpx",
            "togeojson__opencpn.gpx",
            "gpxgo__file.gpx",
        ],
    )
    def test_stats_agree_with_gpxpy_and_haversine(
        self, callers: Callers, stage: dict[str, Any], name: str
    ) -> None:
        result = upload(callers.county_15, stage["id"], name)
        parsed = gpxpy.parse(sample(name).decode("utf-8"))
        points: list[Any] = [p for t in parsed.tracks for s in t.segments for p in s.points]
        points = points or [p for r in parsed.routes for p in r.points]
        assert result["point_count"] == len(points)
        assert result["distance_m"] == pytest.approx(haversine_length(name), rel=0.005)
        with_ele: list[float] = [p.elevation for p in points if p.elevation is not None]
        assert result["elevation_coverage"] == pytest.approx(len(with_ele) / len(points), abs=1e-4)
        if with_ele:
            assert result["max_elevation_m"] == pytest.approx(max(with_ele), abs=0.05)
            up, down = gpxpy.geo.calculate_uphill_downhill(list[float | None](with_ele))
            assert result["ascent_m"] == pytest.approx(up, rel=0.01, abs=0.5)
            assert result["descent_m"] == pytest.approx(down, rel=0.01, abs=0.5)
        else:
            assert result["min_elevation_m"] is None
            assert result["ascent_m"] == 0
            assert "no_elevation" in {w["code"] for w in result["warnings"]}
        assert result["version"] == 1
        assert result["status"] == "draft"
        assert result["created"] is True
        assert result["bounds"]["min_lat"] <= result["start"]["lat"] <= result["bounds"]["max_lat"]

    def test_valldal_matches_the_ellipsoid_reference(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        result = upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        assert result["distance_m"] == pytest.approx(
            25_086.9, abs=1
        )  # WGS84 (Vincenty) in the README
        assert result["has_times"] is True
        assert result["duration_s"] > 0
        assert result["name"] is not None

    def test_gap_between_segments_is_a_warning_with_its_place(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        result = upload(callers.county_15, stage["id"], "stage_two_segments_gap.gpx")
        gap = next(w for w in result["warnings"] if w["code"] == "segment_gap")
        assert gap["lat"] == pytest.approx(60.840877)
        assert gap["km"] == pytest.approx(6.79, abs=0.02)
        assert result["distance_m"] == pytest.approx(12_880, rel=0.003)  # the gap ridden too

    def test_partial_elevation_is_a_warning(self, callers: Callers, stage: dict[str, Any]) -> None:
        result = upload(callers.county_15, stage["id"], "stage_partial_elevation.gpx")
        assert result["elevation_coverage"] == pytest.approx(439 / 548, abs=1e-4)
        assert "partial_elevation" in {w["code"] for w in result["warnings"]}

    def test_tracks_are_joined_or_one_is_picked(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        joined = upload(callers.county_15, stage["id"], "tour_three_stages.gpx")
        assert joined["point_count"] == 3132
        assert "tracks_joined" in {w["code"] for w in joined["warnings"]}
        picked = upload(callers.county_15, stage["id"], "tour_three_stages.gpx", track=2)
        assert picked["point_count"] == 883
        assert picked["version"] == 2
        problem(
            callers.county_15.put(
                f"{API}/stages/{stage['id']}/route",
                content=sample("tour_three_stages.gpx"),
                params={"track": 5},
                headers={"Content-Type": "application/gpx+xml"},
            ),
            422,
            "gpx_track_not_found",
        )

    def test_same_file_again_makes_no_new_version(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        again = upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx", status=200)
        assert again["created"] is False
        assert again["version"] == 1
        versions = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions"))["items"]
        assert len(versions) == 1

    def test_multipart_with_note_and_filename(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route",
            files={
                "file": ("valldal.gpx", sample("stage_valldal_stordal.gpx"), "application/gpx+xml")
            },
            data={"note": "Etter befaring"},
        )
        result = ok(response, 201)
        assert result["note"] == "Etter befaring"
        assert result["original_filename"] == "valldal.gpx"

    def test_multipart_without_file_is_422(self, callers: Callers, stage: dict[str, Any]) -> None:
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route", data={"note": "x"}, files={"other": ("a", b"b")}
        )
        problem(response, 422, "missing_file")

    @pytest.mark.parametrize("how", ["content-encoding", "magic-bytes"])
    def test_gzip_is_accepted_and_the_original_kept_as_the_gpx_sent(
        self, callers: Callers, stage: dict[str, Any], how: str
    ) -> None:
        gpx = sample("stage_valldal_stordal.gpx")
        compressed = gzip.compress(gpx)
        headers = {"Content-Type": "application/octet-stream"}
        if how == "content-encoding":
            headers = {"Content-Type": "application/gpx+xml", "Content-Encoding": "gzip"}
        result = ok(
            callers.county_15.put(
                f"{API}/stages/{stage['id']}/route", content=compressed, headers=headers
            ),
            201,
        )
        assert result["point_count"] == 1258
        assert result["original_size"] == len(gpx)
        original = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions/1/original")
        # What a person downloading it wants: the GPX file itself, which every GPS tool
        # opens (the gzip was only how it travelled).
        assert original.content == gpx
        assert original.headers["content-type"] == "application/gpx+xml"
        assert hashlib.sha256(original.content).hexdigest() == result["sha256"]
        assert gpxpy.parse(original.text).get_track_points_no() == 1258

    def test_a_gzip_file_in_a_multipart_part_is_read_by_its_magic_bytes(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        gpx = sample("stage_valldal_stordal.gpx")
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route",
            files={"file": ("valldal.gpx.gz", gzip.compress(gpx), "application/gzip")},
        )
        assert ok(response, 201)["original_size"] == len(gpx)

    @pytest.mark.parametrize("compressed_part", [False, True])
    def test_a_content_encoding_on_a_multipart_body_is_415(
        self, callers: Callers, stage: dict[str, Any], compressed_part: bool
    ) -> None:
        # Content-Encoding covers the whole body, the multipart framing too (RFC 9110 §8.4):
        # not a claim about the part, whether the part is gzip or not.
        gpx = sample("stage_valldal_stordal.gpx")
        part = gzip.compress(gpx) if compressed_part else gpx
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route",
            files={"file": ("valldal.gpx", part, "application/gpx+xml")},
            headers={"Content-Encoding": "gzip"},
        )
        problem(response, 415, "unsupported_content_encoding")
        assert response.headers["Accept-Encoding"] == "identity"
        versions = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions")
        assert ok(versions)["items"] == []

    def test_gzip_bomb_stops_at_the_limit(
        self, callers: Callers, stage: dict[str, Any], app: Any
    ) -> None:
        limit = app.state.settings.max_inflated_bytes
        bomb = gzip.compress(b"<gpx>" + b" " * (limit + 10))
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route",
            content=bomb,
            headers={"Content-Type": "application/octet-stream"},
        )
        problem(response, 413, "inflated_too_large")

    @pytest.mark.parametrize(
        "data",
        [b"\x1f\x8b\x08\x00garbage", gzip.compress(sample("stage_valldal_stordal.gpx"))[:2000]],
    )
    def test_broken_gzip_is_422(self, callers: Callers, stage: dict[str, Any], data: bytes) -> None:
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route",
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        problem(response, 422, "gpx_bad_gzip")

    def test_unsupported_media_type_is_415(self, callers: Callers, stage: dict[str, Any]) -> None:
        response = callers.county_15.put(f"{API}/stages/{stage['id']}/route", json={"gpx": "no"})
        problem(response, 415, "unsupported_media_type")

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            (b"<html><body>502 Bad Gateway</body></html>", "gpx_not_gpx"),
            (
                b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx>&x;</gpx>',
                "gpx_doctype_refused",
            ),
            (b"<gpx><trk><trkseg><trkpt lat='1' lon='1'>", "gpx_malformed_xml"),
            (b"<gpx><wpt lat='62' lon='7'/></gpx>", "gpx_no_line"),
            (
                b"<gpx><trk><trkseg><trkpt lat='NaN' lon='1'/><trkpt lat='1' lon='1'/>"
                b"</trkseg></trk></gpx>",
                "gpx_coordinate_invalid",
            ),
        ],
    )
    def test_refused_files_store_nothing(
        self, callers: Callers, stage: dict[str, Any], body: bytes, code: str
    ) -> None:
        response = callers.county_15.put(
            f"{API}/stages/{stage['id']}/route",
            content=body,
            headers={"Content-Type": "application/gpx+xml"},
        )
        detail = problem(response, 422, code)["detail"]
        assert "root:" not in detail
        assert (
            ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions"))["items"] == []
        )
        problem(
            callers.anonymous.get(f"{API}/stages/{stage['id']}/route"), 404, "stage_has_no_route"
        )
        assert callers.anonymous.get("/healthz").status_code == 200

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("national", 201)],
    )
    def test_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        response = getattr(callers, who).put(
            f"{API}/stages/{stage['id']}/route",
            content=sample("stage_valldal_stordal.gpx"),
            headers={"Content-Type": "application/gpx+xml"},
        )
        assert response.status_code == status

    def test_unknown_stage_is_404(self, callers: Callers) -> None:
        response = callers.national.put(
            f"{API}/stages/999/route",
            content=sample("gpxgo__file.gpx"),
            headers={"Content-Type": "application/gpx+xml"},
        )
        problem(response, 404, "stage_not_found")


class TestReadAndExport:
    def test_current_version_and_304(self, callers: Callers, stage: dict[str, Any]) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        upload(callers.county_15, stage["id"], "stage_steep_descent.gpx")
        response = callers.anonymous.get(f"{API}/stages/{stage['id']}/route")
        assert ok(response)["version"] == 2
        assert (
            callers.anonymous.get(
                f"{API}/stages/{stage['id']}/route",
                headers={"If-None-Match": response.headers["ETag"]},
            ).status_code
            == 304
        )
        versions = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions"))["items"]
        assert [v["version"] for v in versions] == [2, 1]
        assert (
            ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions/1"))["point_count"]
            == 1258
        )
        problem(
            callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions/3"),
            404,
            "route_version_not_found",
        )
        original = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/versions/1/original")
        assert original.content == sample("stage_valldal_stordal.gpx")

    def test_gpx_export_reads_back_with_gpxpy(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
        for response in (
            callers.anonymous.get(f"{API}/stages/{stage['id']}/route.gpx"),
            callers.anonymous.get(
                f"{API}/stages/{stage['id']}/route", headers={"Accept": "application/gpx+xml"}
            ),
        ):
            assert response.headers["content-type"].startswith("application/gpx+xml")
            parsed = gpxpy.parse(response.text)
            assert parsed.name == f"Etappe 1: {stage['name']}"
            assert parsed.get_track_points_no() == 1065
            assert [w.type for w in parsed.waypoints] == [
                "start",
                "rest",
                "handover",
                "hazard",
                "finish",
            ]
        tagged = callers.anonymous.get(f"{API}/stages/{stage['id']}/route.gpx")
        assert (
            callers.anonymous.get(
                f"{API}/stages/{stage['id']}/route.gpx",
                headers={"If-None-Match": tagged.headers["ETag"]},
            ).status_code
            == 304
        )

    def test_geojson_export_and_simplify(self, callers: Callers, stage: dict[str, Any]) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        full = callers.anonymous.get(f"{API}/stages/{stage['id']}/route.geojson")
        assert full.headers["content-type"].startswith("application/geo+json")
        feature = full.json()
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "LineString"
        assert len(feature["geometry"]["coordinates"]) == 1258
        assert len(feature["geometry"]["coordinates"][0]) == 3  # lon, lat, ele
        assert feature["properties"]["distance_m"] == pytest.approx(25_086.9, abs=1)
        simple = ok(
            callers.anonymous.get(
                f"{API}/stages/{stage['id']}/route.geojson", params={"simplify": 20}
            )
        )
        assert 2 < len(simple["geometry"]["coordinates"]) < 400
        negotiated = callers.anonymous.get(
            f"{API}/stages/{stage['id']}/route", headers={"Accept": "application/geo+json"}
        )
        assert negotiated.json()["geometry"]["type"] == "LineString"
        problem(
            callers.anonymous.get(
                f"{API}/stages/{stage['id']}/route.geojson", params={"simplify": -1}
            ),
            422,
            "validation_failed",
        )

    def test_profile_keeps_extremes(self, callers: Callers, stage: dict[str, Any]) -> None:
        result = upload(callers.county_15, stage["id"], "stage_steep_descent.gpx")
        profile = ok(
            callers.anonymous.get(
                f"{API}/stages/{stage['id']}/route/profile", params={"points": 50}
            )
        )
        elevations = [p["ele"] for p in profile["points"]]
        assert len(elevations) <= 50
        assert max(elevations) == result["max_elevation_m"]
        assert min(elevations) == result["min_elevation_m"]
        kms = [p["km"] for p in profile["points"]]
        assert kms == sorted(kms)
        assert kms[-1] == pytest.approx(result["distance_m"] / 1000, abs=0.001)

    def test_profile_picture_is_a_standalone_svg(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
        response = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/profile.svg")
        assert response.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(response.content)  # noqa: S314 - our own output
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
        assert stage["name"] in text
        assert "km" in text
        assert " m" in text
        assert "Overlevering: Røra" in text

    def test_hazards_find_the_steep_stretches(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload(callers.county_15, stage["id"], "stage_steep_descent.gpx")
        hazards = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/route/hazards"))
        climb, descent = hazards["items"]
        assert climb["kind"] == "climb"
        assert climb["km_from"] == pytest.approx(3.0, abs=0.1)
        assert climb["km_to"] == pytest.approx(3.4, abs=0.1)
        assert climb["average_grade_percent"] == pytest.approx(7.5, abs=1)
        assert climb["steepest_grade_percent"] == pytest.approx(8.0, abs=0.5)
        assert descent["kind"] == "descent"
        assert descent["km_from"] == pytest.approx(7.2, abs=0.1)
        assert descent["steepest_grade_percent"] == pytest.approx(-9.0, abs=0.5)

    def test_no_hazards_on_a_gentle_stage(self, callers: Callers, stage: dict[str, Any]) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        assert ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/route/hazards"))["items"] == []

    @pytest.mark.parametrize(
        "path",
        [
            "route",
            "route.gpx",
            "route.geojson",
            "route/profile",
            "route/profile.svg",
            "route/hazards",
        ],
    )
    def test_without_route_is_404(self, callers: Callers, stage: dict[str, Any], path: str) -> None:
        problem(
            callers.anonymous.get(f"{API}/stages/{stage['id']}/{path}"), 404, "stage_has_no_route"
        )


class TestStatus:
    def test_draft_reported_final_with_history(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
        url = f"{API}/stages/{stage['id']}/route"
        problem(act(callers.county_15, url, "finalize"), 409, "illegal_route_transition")
        reported = ok(act(callers.county_15, url, "report"))
        assert reported["status"] == "reported"
        assert reported["reported_by"] == "Møre og Romsdal contact"
        problem(act(callers.county_15, url, "report"), 409, "illegal_route_transition")
        final = ok(act(callers.national, url, "finalize"))
        assert final["status"] == "final"
        assert final["finalized_by"] == "NF"
        problem(act(callers.county_15, url, "finalize"), 409, "illegal_route_transition")
        newer = upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        assert (newer["version"], newer["status"]) == (2, "draft")
        history = ok(callers.anonymous.get(f"{url}/versions"))["items"]
        assert [(v["version"], v["status"]) for v in history] == [(2, "draft"), (1, "final")]
        audit = ok(callers.national.get(f"{API}/audit", params={"resource_type": "route_version"}))[
            "items"
        ]
        assert [e["action"] for e in audit] == ["upload", "finalize", "report", "upload"]

    def test_final_needs_start_and_finish(self, callers: Callers, stage: dict[str, Any]) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        url = f"{API}/stages/{stage['id']}/route"
        ok(act(callers.county_15, url, "report"))
        body = problem(act(callers.county_15, url, "finalize"), 409, "route_needs_start_and_finish")
        assert "start, finish" in body["detail"]

    def test_without_route_is_404(self, callers: Callers, stage: dict[str, Any]) -> None:
        problem(
            callers.county_15.post(f"{API}/stages/{stage['id']}/route/report", headers=STALE),
            404,
            "stage_has_no_route",
        )

    @pytest.mark.parametrize(
        ("who", "status"), [("anonymous", 401), ("reader", 403), ("county_50", 403)]
    )
    def test_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
        assert (
            act(getattr(callers, who), f"{API}/stages/{stage['id']}/route", "report").status_code
            == status
        )


class TestHandovers:
    def test_gaps_between_consecutive_stages(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        ids = [
            make_stage(
                callers.county_15,
                tour["id"],
                sequence=n,
                date=f"2026-06-0{n + 1}",
                name=f"Etappe {n}",
            )["id"]
            for n in (1, 2, 3)
        ]
        for track, stage_id in enumerate(ids):
            upload(callers.county_15, stage_id, "tour_three_stages.gpx", track=track)
        items = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/handovers"))["items"]
        assert [round(i["gap_m"]) for i in items] == [18, 41]
        assert not any(i["flagged"] for i in items)

    def test_far_gap_is_flagged_unless_a_transfer_covers_it(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        first = make_stage(callers.county_15, tour["id"], sequence=1)
        second = make_stage(callers.county_15, tour["id"], sequence=2, date="2026-06-04")
        upload(callers.county_15, first["id"], "stage_valldal_stordal.gpx")
        upload(callers.county_15, second["id"], "stage_no_elevation.gpx")
        url = f"{API}/tours/{tour['id']}/handovers"
        (item,) = ok(callers.anonymous.get(url))["items"]
        assert item["flagged"] is True
        assert item["gap_m"] > 100_000
        ok(
            callers.county_15.patch(
                f"{API}/stages/{first['id']}",
                json={"transfer_after": {"mode": "vehicle", "duration_minutes": 480}},
                headers=if_match(callers.county_15, f"{API}/stages/{first['id']}"),
            )
        )
        (covered,) = ok(callers.anonymous.get(url))["items"]
        assert covered["flagged"] is False
        assert covered["transfer"]["mode"] == "vehicle"

    def test_missing_route_is_explained(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        make_stage(callers.county_15, tour["id"], sequence=1)
        make_stage(callers.county_15, tour["id"], sequence=2, date="2026-06-04")
        (item,) = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/handovers"))["items"]
        assert item["gap_m"] is None
        assert item["reason"] == "A stage has no route yet."


def test_deleting_a_stage_removes_its_routes_and_checkpoints(
    callers: Callers, stage: dict[str, Any], session: Session
) -> None:
    upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    assert (
        callers.county_15.delete(
            f"{API}/stages/{stage['id']}",
            headers=if_match(callers.county_15, f"{API}/stages/{stage['id']}"),
        ).status_code
        == 204
    )
    assert (
        session.exec(select(RouteVersion).where(RouteVersion.stage_id == stage["id"])).all() == []
    )
    assert session.exec(select(Checkpoint).where(Checkpoint.stage_id == stage["id"])).all() == []
