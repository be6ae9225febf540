"""An elevation profile as a self-contained SVG picture: axes in km and m, a title with the
stage name, distance and ascent, and checkpoints marked."""

from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 900, 320
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 50, 40


@dataclass(frozen=True)
class Mark:
    km: float
    label: str


def _nice_step(span: float, ticks: int) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def profile_svg(
    *, title: str, subtitle: str, points: list[tuple[float, float]], marks: list[Mark]
) -> str:
    """`points` are (km, elevation m) pairs in order."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    km_max = max((p[0] for p in points), default=1.0) or 1.0
    elevations = [p[1] for p in points] or [0.0]
    low, high = min(elevations), max(elevations)
    step_m = _nice_step(max(high - low, 10.0), 5)
    low = (low // step_m) * step_m
    high = max(low + step_m, -(-high // step_m) * step_m)

    def x(km: float) -> float:
        return LEFT + km / km_max * plot_w

    def y(ele: float) -> float:
        return TOP + plot_h - (ele - low) / (high - low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="20" font-size="16" font-weight="bold">{escape(title)}</text>',
        f'<text x="{LEFT}" y="38" fill="#444">{escape(subtitle)}</text>',
    ]
    elevation = low
    while elevation <= high + 1e-9:
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(elevation):.1f}" y2="{y(elevation):.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(elevation) + 4:.1f}" text-anchor="end">{elevation:g} m</text>'
        )
        elevation += step_m
    step_km = _nice_step(km_max, 8)
    km = 0.0
    while km <= km_max + 1e-9:
        parts.append(
            f'<line x1="{x(km):.1f}" x2="{x(km):.1f}" y1="{TOP + plot_h}" y2="{TOP + plot_h + 5}" stroke="#333"/>'
        )
        parts.append(
            f'<text x="{x(km):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{km:g} km</text>'
        )
        km += step_km
    if points:
        line = " ".join(f"{x(k):.1f},{y(e):.1f}" for k, e in points)
        area = f"{x(points[0][0]):.1f},{TOP + plot_h} {line} {x(points[-1][0]):.1f},{TOP + plot_h}"
        parts.append(f'<polygon points="{area}" fill="#cfe3f5"/>')
        parts.append(f'<polyline points="{line}" fill="none" stroke="#1f5f99" stroke-width="2"/>')
    else:
        parts.append(
            f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">No elevation in this route</text>'
        )
    for mark in marks:
        parts.append(
            f'<line x1="{x(mark.km):.1f}" x2="{x(mark.km):.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#c0392b" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x(mark.km) + 3:.1f}" y="{TOP + 12}" fill="#c0392b" font-size="11" '
            f'transform="rotate(0)">{escape(mark.label)}</text>'
        )
    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
