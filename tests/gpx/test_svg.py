"""The route pictures on their own, read back as XML: labels laid out inside the picture
and apart, axes that span the data, text escaped, and the sketch's line inside its frame."""

import pytest
from lxml import etree

from sykkelturen.gpx import svg
from sykkelturen.gpx.svg import Mark, PlacedLabel, layout_labels, profile_svg, sketch_svg

SVG = "{http://www.w3.org/2000/svg}"


def parsed(picture: str) -> etree._Element:
    return etree.fromstring(picture.encode())


def texts(root: etree._Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def overlaps(a: PlacedLabel, b: PlacedLabel) -> bool:
    return a.row == b.row and a.left < b.right + svg.LABEL_GAP and b.left < a.right + svg.LABEL_GAP


@pytest.mark.parametrize(
    ("marks", "rows", "anchors"),
    [
        ([(100.0, "Start")], [0], ["start"]),
        ([(100.0, "Start"), (400.0, "Mål")], [0, 0], ["start", "start"]),  # far apart: one row
        ([(100.0, "Skolen"), (110.0, "Kirka")], [0, 1], ["start", "start"]),  # too close
        ([(895.0, "Mål ved brygga")], [0], ["end"]),  # would run past the right edge
        ([(100.0, "A"), (110.0, "B"), (200.0, "C")], [0, 1, 0], ["start"] * 3),
    ],
)
def test_labels_fit_in_rows(
    marks: list[tuple[float, str]], rows: list[int], anchors: list[str]
) -> None:
    placed = layout_labels(marks, left=2.0, right=898.0)
    assert [p.row for p in placed] == rows
    assert [p.anchor for p in placed] == anchors
    for label in placed:
        assert label.left >= 2.0
        assert label.right <= 898.0
    assert not any(overlaps(a, b) for i, a in enumerate(placed) for b in placed[i + 1 :])


def test_labels_are_laid_out_in_km_order_whatever_the_input_order() -> None:
    placed = layout_labels([(300.0, "C"), (100.0, "A")], left=2.0, right=898.0)
    assert [p.text for p in placed] == ["A", "C"]


def test_a_label_wider_than_the_room_left_of_it_stays_inside() -> None:
    (label,) = layout_labels([(30.0, "x" * 200)], left=2.0, right=60.0)
    assert label.anchor == "end"
    assert label.left >= 2.0


PROFILE = [(0.0, 12.0), (5.0, 140.0), (10.0, 30.0)]


class TestProfile:
    def picture(self, **overrides: object) -> etree._Element:
        fields: dict[str, object] = {
            "title": "Etappe 1 <Ålesund & Sula>",
            "subtitle": "10 km",
            "distance_km": 10.0,
            "points": PROFILE,
            "marks": [Mark(0.0, "Start"), Mark(10.0, "Mål")],
            "no_elevation": "Ingen høydedata",
        } | overrides
        return parsed(profile_svg(**fields))  # type: ignore[arg-type]

    def test_title_is_escaped_text(self) -> None:
        root = self.picture()
        assert root.find(f"{SVG}title").text == "Etappe 1 <Ålesund & Sula>"

    def test_axes_span_the_route_and_its_heights(self) -> None:
        shown = texts(self.picture())
        assert {"0 km", "10 km"} <= set(shown)
        heights = [float(t.removesuffix(" m").replace(",", ".")) for t in shown if t.endswith(" m")]
        assert min(heights) <= 12.0
        assert max(heights) >= 140.0

    def test_every_mark_is_labelled_inside_the_picture(self) -> None:
        root = self.picture()
        labels = root.findall(f"{SVG}text[@class='mark']")
        assert [t.text for t in labels] == ["Start", "Mål"]
        width = float(root.get("width"))
        for label in labels:
            assert 0 <= float(label.get("x")) <= width

    def test_the_line_follows_the_points(self) -> None:
        (line,) = self.picture().findall(f"{SVG}polyline")
        assert len(line.get("points").split()) == len(PROFILE)

    def test_without_elevation_it_says_so_and_draws_no_line(self) -> None:
        root = self.picture(points=[])
        assert "Ingen høydedata" in texts(root)
        assert root.findall(f"{SVG}polyline") == []
        assert "10 km" in texts(root)  # the km axis still spans the route

    def test_decimal_commas_on_the_axes(self) -> None:
        assert "0,5 km" in texts(self.picture(distance_km=2.0, points=[(0.0, 1.0), (2.0, 2.0)]))


class TestSketch:
    LINE = [(6.15, 62.47), (6.20, 62.47), (6.20, 62.50)]  # (lon, lat)

    def test_line_start_finish_and_places_inside_the_frame(self) -> None:
        root = parsed(sketch_svg(title="Etappe", line=self.LINE, places=[(6.2, 62.48, "Kafé")]))
        width, height = float(root.get("width")), float(root.get("height"))
        (line,) = root.findall(f"{SVG}polyline")
        for pair in line.get("points").split():
            px, py = (float(v) for v in pair.split(","))
            assert 0 <= px <= width
            assert 0 <= py <= height
        circles = root.findall(f"{SVG}circle")
        assert [c.get("fill") for c in circles] == ["#2e7d32", "#c0392b", "white"]
        assert circles[2].find(f"{SVG}title").text == "Kafé"

    def test_north_is_up(self) -> None:
        root = parsed(sketch_svg(title="Etappe", line=self.LINE, places=[]))
        start, _, north = root.find(f"{SVG}polyline").get("points").split()
        assert float(north.split(",")[1]) < float(start.split(",")[1])

    def test_no_line_no_sketch(self) -> None:
        assert sketch_svg(title="Etappe", line=[], places=[]) == ""

    def test_a_single_point_still_draws(self) -> None:
        root = parsed(sketch_svg(title="Etappe", line=[(6.15, 62.47)], places=[]))
        assert len(root.findall(f"{SVG}circle")) == 2
