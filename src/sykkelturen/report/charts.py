"""The report's pictures as self-contained SVG: bars per county (planned and ridden km), a
line of km over the weeks, and a sketch of the ridden route. Pure: numbers in, text out."""

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

SVG_OPEN = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
    'font-family="sans-serif" font-size="11" role="img">'
)
PLANNED, RIDDEN = "#b8c7d9", "#1f5f99"


@dataclass(frozen=True)
class Bar:
    label: str
    planned: float
    actual: float


def _top(values: list[float]) -> float:
    """A round axis maximum at or above every value."""
    high = max(values, default=0.0)
    if high <= 0:
        return 1.0
    magnitude = float(10 ** math.floor(math.log10(high)))
    for factor in (1, 2, 2.5, 5, 10):
        if high <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def county_bars(title: str, bars: list[Bar], *, unit: str = "km") -> str:
    """Planned (light) and ridden (dark) side by side for each county."""
    width, left, right, top, bottom = 700, 50, 10, 30, 70
    height = 300
    plot_w, plot_h = width - left - right, height - top - bottom
    high = _top([v for b in bars for v in (b.planned, b.actual)])
    slot = plot_w / max(len(bars), 1)
    bar_w = min(slot * 0.35, 30)
    parts = [
        SVG_OPEN.format(w=width, h=height),
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(5):
        value = high * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    for i, bar in enumerate(bars):
        x = left + slot * i + slot / 2
        for offset, value, colour, kind in (
            (-bar_w, bar.planned, PLANNED, "planned"),
            (0.0, bar.actual, RIDDEN, "ridden"),
        ):
            h = plot_h * value / high
            parts.append(
                f'<rect class="{kind}" x="{x + offset:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(bar.label)}: {value:g} {unit} {kind}</title></rect>"
            )
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="end" '
            f'transform="rotate(-35 {x:.1f} {top + plot_h + 14})">{escape(bar.label)}</text>'
        )
    parts.append(_legend(left + plot_w - 150, 12, "planlagt", "syklet"))
    parts.append("</svg>")
    return "".join(parts)


def _legend(x: float, y: float, planned: str, actual: str) -> str:
    return (
        f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PLANNED}"/>'
        f'<text x="{x + 14}" y="{y}">{planned}</text>'
        f'<rect x="{x + 75}" y="{y - 9}" width="10" height="10" fill="{RIDDEN}"/>'
        f'<text x="{x + 89}" y="{y}">{actual}</text>'
    )


def week_line(title: str, weeks: list[tuple[str, float, float]]) -> str:
    """(week label, planned km to date, ridden km to date) for each week, as two lines."""
    width, left, right, top, bottom = 700, 50, 10, 30, 40
    height = 260
    plot_w, plot_h = width - left - right, height - top - bottom
    high = _top([v for _, p, a in weeks for v in (p, a)])
    step = plot_w / max(len(weeks) - 1, 1)

    def point(i: int, value: float) -> str:
        return f"{left + step * i:.1f},{top + plot_h - plot_h * value / high:.1f}"

    parts = [
        SVG_OPEN.format(w=width, h=height),
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{high * i / 4:g}</text>'
        )
    for i, (label, _, _) in enumerate(weeks):
        parts.append(
            f'<text x="{left + step * i:.1f}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{escape(label.split("-")[-1])}</text>'
        )
    for series, colour, kind in (
        ([p for _, p, _ in weeks], PLANNED, "planned"),
        ([a for _, _, a in weeks], RIDDEN, "ridden"),
    ):
        points = " ".join(point(i, value) for i, value in enumerate(series))
        parts.append(
            f'<polyline class="{kind}" points="{points}" fill="none" stroke="{colour}" '
            'stroke-width="2.5"/>'
        )
    parts.append(_legend(left + plot_w - 150, 12, "planlagt", "syklet"))
    parts.append("</svg>")
    return "".join(parts)


def route_sketch(title: str, lines: list[tuple[list[list[float]], bool]]) -> str:
    """Each stage's line ([lon, lat, …] points) drawn to scale: ridden solid, the rest
    dashed and light. An equirectangular projection is plenty for a sketch."""
    width, height, pad = 320, 420, 12
    points = [(p[0], p[1]) for line, _ in lines for p in line]
    parts = [
        SVG_OPEN.format(w=width, h=height),
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#f6f8fa"/>',
    ]
    if not points:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">Ingen ruter ennå</text>'
        )
        parts.append("</svg>")
        return "".join(parts)
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    squash = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * squash, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def xy(lon: float, lat: float) -> str:
        x = pad + (lon - min(lons)) * squash * scale
        y = height - pad - (lat - min(lats)) * scale
        return f"{x:.1f},{y:.1f}"

    for line, ridden in lines:
        path = " ".join(xy(p[0], p[1]) for p in line)
        style = (
            f'stroke="{RIDDEN}" stroke-width="3"'
            if ridden
            else f'stroke="{PLANNED}" stroke-width="2" stroke-dasharray="4 3"'
        )
        parts.append(
            f'<polyline class="{"ridden" if ridden else "planned"}" points="{path}" '
            f'fill="none" {style} stroke-linejoin="round"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
