"""GPS files and maps as their users' tools read them: GPX against the official 1.1 schema
and gpxpy, GeoJSON with shapely, the profile picture as a browser would lay it out."""

import datetime as dt
import json
import math
from typing import Any

import gpxpy
import numpy as np
import pytest
from lxml import etree

from sykkelturen.gpx import svg, writer
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


# --- the writer on its own: GPX and GeoJSON from arrays, read back with gpxpy, the GPX 1.1
# schema and shapely ---------------------------------------------------------------------------


def arrays(*values: list[float]) -> tuple[np.ndarray, ...]:
    return tuple(np.array(v, dtype=np.float64) for v in values)


def track(**fields: Any) -> writer.Track:
    lat, lon, ele = arrays([62.47, 62.48, 62.49, 62.50], [6.15, 6.16, 6.17, 6.18], [5, 10, 15, 20])
    return writer.Track(**({"name": "Etappe 1", "lat": lat, "lon": lon, "ele": ele} | fields))


class TestToGpx:
    def write(self, *tracks: writer.Track, places: list[writer.NamedPlace] | None = None) -> Any:
        return valid_gpx(
            writer.to_gpx(
                name="Sykkelturen", description="Æ ø å", tracks=list(tracks), places=places or []
            )
        )

    def test_a_track_per_line_and_its_points_in_order(self) -> None:
        parsed = self.write(track(), track(name="Etappe 2"))
        assert (parsed.name, parsed.description) == ("Sykkelturen", "Æ ø å")
        assert [t.name for t in parsed.tracks] == ["Etappe 1", "Etappe 2"]
        (segment,) = parsed.tracks[0].segments
        assert [(p.latitude, p.longitude, p.elevation) for p in segment.points] == [
            (62.47, 6.15, 5.0),
            (62.48, 6.16, 10.0),
            (62.49, 6.17, 15.0),
            (62.5, 6.18, 20.0),
        ]

    @pytest.mark.parametrize(
        ("starts", "sizes"),
        [
            ((0,), [4]),
            ((0, 2), [2, 2]),
            ((2,), [2, 2]),  # the first segment starts at 0 even if not said
            ((0, 2, 2, 9, -1), [2, 2]),  # repeats and starts outside the line ignored
        ],
    )
    def test_segments_as_uploaded(self, starts: tuple[int, ...], sizes: list[int]) -> None:
        parsed = self.write(track(segment_starts=starts))
        assert [len(s.points) for s in parsed.tracks[0].segments] == sizes

    def test_times_where_known_and_no_elevation_where_unknown(self) -> None:
        start = dt.datetime(2026, 6, 3, 9, 30, tzinfo=dt.UTC).timestamp()
        times = np.array([start, np.nan, start + 120, start + 180])
        ele = np.array([5.04, np.nan, 15.0, 20.0])
        points = self.write(track(times=times, ele=ele)).tracks[0].segments[0].points
        assert [p.time.isoformat() if p.time else None for p in points] == [
            "2026-06-03T09:30:00+00:00",
            None,
            "2026-06-03T09:32:00+00:00",
            "2026-06-03T09:33:00+00:00",
        ]
        assert [p.elevation for p in points] == [5.0, None, 15.0, 20.0]

    def test_places_are_waypoints_with_their_kind(self) -> None:
        place = writer.NamedPlace("Kafé <Sjøbua>", "handover", 62.48, 6.16, "Bytte & kaffe")
        (waypoint,) = self.write(track(), places=[place]).waypoints
        assert (waypoint.name, waypoint.type, waypoint.description) == (
            "Kafé <Sjøbua>",
            "handover",
            "Bytte & kaffe",
        )
        assert (waypoint.latitude, waypoint.longitude) == (62.48, 6.16)


class TestGeoJsonFeatures:
    @pytest.mark.parametrize(
        ("ele", "dimensions"),
        [([5.0, 10.0], 3), ([5.0, math.nan], 2), ([math.nan, math.nan], 2)],
        ids=["every height", "one missing", "none"],
    )
    def test_positions_are_3d_only_when_every_point_has_a_height(
        self, ele: list[float], dimensions: int
    ) -> None:
        lat, lon, heights = arrays([62.123456789, 62.2], [6.987654321, 6.1], ele)
        found = writer.positions(lat, lon, heights)
        assert {len(p) for p in found} == {dimensions}
        assert found[0][:2] == [6.987654, 62.123457]  # lon first, 6 decimals

    @pytest.mark.parametrize(
        ("coordinates", "expected"),
        [
            ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
            ([[1.0, 2.0, 3.0], [4.0, 5.0]], [[1.0, 2.0], [4.0, 5.0]]),
            ([[1.0, 2.0], [4.0, 5.0]], [[1.0, 2.0], [4.0, 5.0]]),
        ],
        ids=["all 3-D", "mixed", "all 2-D"],
    )
    def test_one_dimension_per_line(
        self, coordinates: list[list[float]], expected: list[list[float]]
    ) -> None:
        assert writer.one_dimension(coordinates) == expected

    def test_features_read_by_shapely(self) -> None:
        line = writer.line_feature([[6.1, 62.4, 5.0], [6.2, 62.5]], {"name": "Etappe 1"})
        point = writer.point_feature(62.4000004, 6.1000004, {"name": "Start"})
        collection = {"type": "FeatureCollection", "features": [line, point]}
        shapes = geometries(json.loads(json.dumps(collection)))
        assert [s.geom_type for s in shapes] == ["LineString", "Point"]
        assert not shapes[0].has_z  # mixed dimensions were made 2-D
        assert (shapes[1].x, shapes[1].y) == (6.1, 62.4)
        assert [line["properties"], point["properties"]] == [
            {"name": "Etappe 1"},
            {"name": "Start"},
        ]
