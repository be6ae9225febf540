"""GPS files and maps as their users' tools read them: GPX against the official 1.1 schema
and gpxpy, GeoJSON with shapely, the profile picture as a browser would lay it out."""

import json
from typing import Any

import gpxpy
import pytest
from lxml import etree

from sykkelturen.gpx import svg
from tests.conftest import Callers
from tests.factories import API, make_stage, ok, sample, tour_with_counties, upload
from tests.readers import geometries, valid_gpx


@pytest.fixture
def tour(callers: Callers) -> dict[str, Any]:
    return tour_with_counties(callers.national)


def stage_with(callers: Callers, tour: dict[str, Any], name: str, **fields: Any) -> dict[str, Any]:
    stage = make_stage(callers.county_15, tour["id"], **fields)
    upload(callers.county_15, stage["id"], name)
    return stage


class TestGpx:
    def test_segments_and_times_kept(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = stage_with(callers, tour, "stage_two_segments_gap.gpx")
        uploaded = gpxpy.parse(sample("stage_two_segments_gap.gpx").decode())
        exported = valid_gpx(callers.anonymous.get(f"{API}/stages/{stage['id']}/route.gpx").text)
        (track,) = exported.tracks
        assert [len(s.points) for s in track.segments] == [
            len(s.points) for s in uploaded.tracks[0].segments
        ]
        first_in = uploaded.tracks[0].segments[1].points[0]
        first_out = track.segments[1].points[0]
        assert first_out.time == first_in.time  # times as uploaded
        assert (first_out.latitude, first_out.longitude) == pytest.approx(
            (first_in.latitude, first_in.longitude)
        )

    def test_national_gpx_is_valid_and_keeps_segments(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        stage_with(callers, tour, "stage_two_segments_gap.gpx", sequence=1)
        stage_with(callers, tour, "stage_no_elevation.gpx", sequence=2, date="2026-06-04")
        for url in (
            f"{API}/tours/{tour['id']}/run-sheet.gpx",
            f"{API}/tours/{tour['id']}/run-sheet?format=gpx",
        ):
            exported = valid_gpx(callers.anonymous.get(url).text)
            assert [len(t.segments) for t in exported.tracks] == [2, 1]
            assert exported.tracks[1].segments[0].points[0].elevation is None

    def test_stage_name_not_the_files(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = stage_with(callers, tour, "stage_valldal_stordal.gpx", sequence=13)
        text = callers.anonymous.get(f"{API}/stages/{stage['id']}/route.gpx").text
        assert "Etappe 38" not in text
        assert valid_gpx(text).name == "Etappe 13: Valldal – Stordal"

    def test_format_gpx_on_the_route(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = stage_with(callers, tour, "stage_valldal_stordal.gpx")
        url = f"{API}/stages/{stage['id']}/route"
        by_query = callers.anonymous.get(url, params={"format": "gpx"})
        assert by_query.headers["content-type"].startswith("application/gpx+xml")
        assert "Accept" not in [v.strip() for v in by_query.headers.get("Vary", "").split(",")]
        by_accept = callers.anonymous.get(url, headers={"Accept": "application/gpx+xml"})
        assert by_accept.content == by_query.content
        assert "Accept" in by_accept.headers["Vary"]
        assert "attachment" in by_query.headers["content-disposition"]
        valid_gpx(by_query.text)


class TestGeoJson:
    @pytest.mark.parametrize(
        "name",
        ["stage_partial_elevation.gpx", "stage_no_elevation.gpx", "stage_valldal_stordal.gpx"],
    )
    def test_shapely_takes_every_geometry(
        self, callers: Callers, tour: dict[str, Any], name: str
    ) -> None:
        stage = stage_with(callers, tour, name)
        for url in (
            f"{API}/stages/{stage['id']}/route.geojson",
            f"{API}/stages/{stage['id']}/route.geojson?simplify=20",
            f"{API}/stages/{stage['id']}/route?format=geojson",
            f"{API}/stages/{stage['id']}/run-sheet.geojson",
            f"{API}/tours/{tour['id']}/run-sheet.geojson",
        ):
            (shape, *_) = geometries(callers.anonymous.get(url).json())
            assert shape.length > 0

    def test_partial_elevation_gives_a_2d_line(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        stage = stage_with(callers, tour, "stage_partial_elevation.gpx")
        feature = callers.anonymous.get(f"{API}/stages/{stage['id']}/route.geojson").json()
        assert {len(p) for p in feature["geometry"]["coordinates"]} == {2}
        full = stage_with(callers, tour, "stage_valldal_stordal.gpx", sequence=2, date="2026-06-04")
        feature = callers.anonymous.get(f"{API}/stages/{full['id']}/route.geojson").json()
        assert {len(p) for p in feature["geometry"]["coordinates"]} == {3}

    def test_the_stage_name_on_the_map(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = stage_with(callers, tour, "stage_valldal_stordal.gpx", sequence=13)
        feature = callers.anonymous.get(f"{API}/stages/{stage['id']}/route.geojson").json()
        assert feature["properties"]["name"] == "Valldal – Stordal"
        assert feature["properties"]["file_name"].startswith("Etappe 38")  # kept apart
        assert "Etappe 38" not in json.dumps(
            callers.anonymous.get(f"{API}/tours/{tour['id']}/run-sheet.geojson").json()
        )


def labels(picture: str) -> list[tuple[str, float, float, float]]:
    """(text, left, right, baseline) of each place label, by the picture's own metrics."""
    root = etree.fromstring(picture.encode())
    found = []
    for text in root.iter("{http://www.w3.org/2000/svg}text"):
        if text.get("class") != "mark":
            continue
        width = svg.label_width(text.text or "")
        x = float(text.get("x"))
        left = x if text.get("text-anchor") == "start" else x - width
        found.append((text.text or "", left, left + width, float(text.get("y"))))
    return found


class TestProfilePicture:
    def test_labels_inside_and_apart(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = stage_with(callers, tour, "stage_valldal_stordal.gpx")
        points = f"{API}/stages/{stage['id']}/checkpoints"
        route = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/route"))
        for body in (
            {"name": "Valldal stadion", "kind": "start", "km": 0},
            {"name": "Rast ved Linge ferjekai", "kind": "rest", "km": 10},
            {"name": "Overlevering: Norddal", "kind": "handover", "km": 10.4},
            {"name": "Stordal sentrum", "kind": "finish", "km": route["distance_m"] / 1000},
        ):
            ok(callers.county_15.post(points, json=body), 201)
        picture = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/profile.svg").text
        root = etree.fromstring(picture.encode())
        width = float(root.get("width"))
        placed = labels(picture)
        assert [p[0] for p in placed] == [
            "Valldal stadion",
            "Rast ved Linge ferjekai",
            "Overlevering: Norddal",
            "Stordal sentrum",  # whole, not clipped to "Sto"
        ]
        for text, left, right, _ in placed:
            assert left >= 0, text
            assert right <= width, text
        for i, a in enumerate(placed):
            for b in placed[i + 1 :]:
                if a[3] == b[3]:  # same row
                    assert a[2] <= b[1] or b[2] <= a[1], (a, b)

    def test_route_without_elevation(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = stage_with(callers, tour, "stage_no_elevation.gpx")
        picture = callers.anonymous.get(f"{API}/stages/{stage['id']}/route/profile.svg")
        route = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/route"))
        root = etree.fromstring(picture.content)
        texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
        km_ticks = [
            float(t.removesuffix(" km").replace(",", ".")) for t in texts if t.endswith(" km")
        ]
        assert max(km_ticks) >= route["distance_m"] / 1000 * 0.75  # the route's length, not 0–1
        assert "Ruten har ingen høydedata" in texts
        assert not any(" m opp" in t for t in texts)  # no made-up "0 m up"
        assert "høydedata mangler" in " ".join(texts)

    def test_one_language(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = stage_with(callers, tour, "stage_valldal_stordal.gpx")
        url = f"{API}/stages/{stage['id']}/route/profile.svg"
        bokmal = callers.anonymous.get(url).text
        for english in (" up", " down", "route version", "draft", "No elevation"):
            assert english not in bokmal
        assert "ruteversjon 1 (utkast)" in bokmal
        nynorsk = callers.anonymous.get(url, headers={"Accept-Language": "nn"})
        assert nynorsk.headers["content-language"] == "nn"
        assert "Vary" in nynorsk.headers
        assert "Accept-Language" in nynorsk.headers["Vary"]
