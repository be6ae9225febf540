"""Pictures of a route as self-contained SVG: the elevation profile (axes in km and m, a
title with the stage name, checkpoints marked) and a sketch of the line for printing.

The caller gives every text already in the reader's language; nothing here is in English.
Place labels are laid out in rows above the plot so that none is clipped at the edges and
none overlaps another: a label that would run past the right edge ends at its mark instead
of starting there, and a label that would touch the one before it in a row moves to the
next row.
"""

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH = 900
LEFT, RIGHT, BOTTOM = 60, 20, 40
HEADER = 50  # title and subtitle
LABEL_SIZE = 11
LABEL_ROW = 14
PLOT_HEIGHT = 230
# Widest a sans-serif character of LABEL_SIZE px is taken to be: generous (DejaVu Sans and
# Arial average about 0.55 em), so a label laid out by it never runs into the next.
CHAR_WIDTH = 0.62 * LABEL_SIZE
LABEL_GAP = 6


@dataclass(frozen=True)
class Mark:
    km: float
    label: str


@dataclass(frozen=True)
class PlacedLabel:
    text: str
    anchor: str  # "start" or "end"
    x: float  # where the text is anchored
    row: int
    mark_x: float

    @property
    def left(self) -> float:
        return self.x if self.anchor == "start" else self.x - label_width(self.text)

    @property
    def right(self) -> float:
        return self.left + label_width(self.text)


def label_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def layout_labels(
    marks: list[tuple[float, str]], *, left: float, right: float
) -> list[PlacedLabel]:
    """Each (x, text) in the first row where it fits after the labels already there, kept
    between `left` and `right`."""
    row_ends: list[float] = []
    placed = []
    for mark_x, text in sorted(marks):
        width = label_width(text)
        if mark_x + 3 + width <= right:
            anchor, x = "start", mark_x + 3
        else:
            anchor, x = "end", max(mark_x - 3, left + width)
        start = x if anchor == "start" else x - width
        row = next((i for i, end in enumerate(row_ends) if end + LABEL_GAP <= start), None)
        if row is None:
            row_ends.append(start + width)
            row = len(row_ends) - 1
        else:
            row_ends[row] = start + width
        placed.append(PlacedLabel(text=text, anchor=anchor, x=x, row=row, mark_x=mark_x))
    return placed


def _nice_step(span: float, ticks: int) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def profile_svg(
    *,
    title: str,
    subtitle: str,
    distance_km: float,
    points: list[tuple[float, float]],
    marks: list[Mark],
    no_elevation: str,
) -> str:
    """`points` are (km, elevation m) pairs in order; empty when the route has no elevation
    (the km axis still spans `distance_km`, and `no_elevation` says so)."""
    plot_w = WIDTH - LEFT - RIGHT
    km_max = max(distance_km, max((p[0] for p in points), default=0.0)) or 1.0

    def x(km: float) -> float:
        return LEFT + km / km_max * plot_w

    labels = layout_labels(
        [(x(mark.km), mark.label) for mark in marks], left=2.0, right=float(WIDTH - 2)
    )
    rows = max((label.row for label in labels), default=-1) + 1
    top = HEADER + rows * LABEL_ROW + (8 if rows else 0)
    height = top + PLOT_HEIGHT + BOTTOM
    elevations = [p[1] for p in points] or [0.0]
    low, high = min(elevations), max(elevations)
    step_m = _nice_step(max(high - low, 10.0), 5)
    low = (low // step_m) * step_m
    high = max(low + step_m, -(-high // step_m) * step_m)

    def y(ele: float) -> float:
        return top + PLOT_HEIGHT - (ele - low) / (high - low) * PLOT_HEIGHT

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="12">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="20" font-size="16" font-weight="bold">{escape(title)}</text>',
        f'<text x="{LEFT}" y="38" fill="#444">{escape(subtitle)}</text>',
    ]
    if points:
        elevation = low
        while elevation <= high + 1e-9:
            parts.append(
                f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(elevation):.1f}" y2="{y(elevation):.1f}" stroke="#ddd"/>'
            )
            parts.append(
                f'<text x="{LEFT - 6}" y="{y(elevation) + 4:.1f}" text-anchor="end">{_number(elevation)} m</text>'
            )
            elevation += step_m
    step_km = _nice_step(km_max, 8)
    km = 0.0
    while km <= km_max + 1e-9:
        parts.append(
            f'<line x1="{x(km):.1f}" x2="{x(km):.1f}" y1="{top + PLOT_HEIGHT}" y2="{top + PLOT_HEIGHT + 5}" stroke="#333"/>'
        )
        parts.append(
            f'<text x="{x(km):.1f}" y="{top + PLOT_HEIGHT + 18}" text-anchor="middle">{_number(round(km, 1))} km</text>'
        )
        km += step_km
    if points:
        line = " ".join(f"{x(k):.1f},{y(e):.1f}" for k, e in points)
        area = f"{x(points[0][0]):.1f},{top + PLOT_HEIGHT} {line} {x(points[-1][0]):.1f},{top + PLOT_HEIGHT}"
        parts.append(f'<polygon points="{area}" fill="#cfe3f5"/>')
        parts.append(f'<polyline points="{line}" fill="none" stroke="#1f5f99" stroke-width="2"/>')
    else:
        parts.append(
            f'<text x="{LEFT + plot_w / 2}" y="{top + PLOT_HEIGHT / 2}" text-anchor="middle" fill="#666">{escape(no_elevation)}</text>'
        )
    for label in labels:
        baseline = HEADER + label.row * LABEL_ROW + LABEL_SIZE
        parts.append(
            f'<line x1="{label.mark_x:.1f}" x2="{label.mark_x:.1f}" y1="{baseline - LABEL_SIZE + 2}" y2="{top + PLOT_HEIGHT}" stroke="#c0392b" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text class="mark" x="{label.x:.1f}" y="{baseline}" text-anchor="{label.anchor}" fill="#c0392b" font-size="{LABEL_SIZE}">{escape(label.text)}</text>'
        )
    parts.append(
        f'<rect x="{LEFT}" y="{top}" width="{plot_w}" height="{PLOT_HEIGHT}" fill="none" stroke="#333"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def sketch_svg(
    *,
    title: str,
    line: list[tuple[float, float]],
    places: list[tuple[float, float, str]],
    width: int = 420,
    height: int = 300,
) -> str:
    """A route sketch for print: the line (lon, lat pairs) in a local equirectangular
    projection, start (green) and finish (red) dots, and the places as small rings named
    in their tooltips. No map tiles: it prints anywhere and needs no network."""
    pad = 16
    if not line:
        return ""
    lat0 = sum(p[1] for p in line) / len(line)
    east = math.cos(math.radians(lat0))
    xs = [p[0] * east for p in line]
    ys = [p[1] for p in line]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1e-6
    scale = min(
        (width - 2 * pad) / (max(xs) - min(xs) or span),
        (height - 2 * pad) / (max(ys) - min(ys) or span),
    )

    def px(lon: float, lat: float) -> tuple[float, float]:
        return (
            pad + (lon * east - min(xs)) * scale,
            height - pad - (lat - min(ys)) * scale,
        )

    points = " ".join("{:.1f},{:.1f}".format(*px(lon, lat)) for lon, lat in line)
    start, end = px(*line[0]), px(*line[-1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="white"/>',
        f'<polyline points="{points}" fill="none" stroke="#1f5f99" stroke-width="3" stroke-linejoin="round"/>',
        f'<circle cx="{start[0]:.1f}" cy="{start[1]:.1f}" r="6" fill="#2e7d32"/>',
        f'<circle cx="{end[0]:.1f}" cy="{end[1]:.1f}" r="6" fill="#c0392b"/>',
    ]
    for lon, lat, name in places:
        cx, cy = px(lon, lat)
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="white" stroke="#333">'
            f"<title>{escape(name)}</title></circle>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
