"""The impact report as CSV (one row per county and a total, as a spreadsheet wants it) and
as a printable HTML page (A4, print CSS) with its charts as inline SVG; the partner's
thank-you sheet as HTML. Every text from the data is escaped."""

import csv
import io
from html import escape

from sykkelturen.report import charts
from sykkelturen.report.models import Figures, PartnerSheet, TourReport
from sykkelturen.runsheet.spreadsheets import Dialect, neutralise

FIGURE_COLUMNS = list(Figures.model_fields)
CSV_HEAD = ["row", "county", "county_name", *FIGURE_COLUMNS]


def _cell(value: object, dialect: Dialect) -> str:
    if isinstance(value, float):
        text = f"{value:g}" if value.is_integer() else f"{value:.1f}"
        return text.replace(".", ",") if dialect == Dialect.excel else text
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def to_csv(report: TourReport, dialect: Dialect = Dialect.rfc4180) -> bytes:
    """RFC 4180, or the Excel dialect (`;`, decimal comma, UTF-8 with BOM) as the run
    sheet's CSV offers them."""
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=";" if dialect == Dialect.excel else ",", lineterminator="\r\n"
    )
    writer.writerow(CSV_HEAD)
    for county in report.counties:
        values = county.model_dump()
        writer.writerow(
            [
                _cell(v, dialect)
                for v in ["county", county.county, county.county_name]
                + [values[c] for c in FIGURE_COLUMNS]
            ]
        )
    totals = report.totals.model_dump()
    writer.writerow(
        [
            _cell(v, dialect)
            for v in ["total", report.county or "", ""] + [totals[c] for c in FIGURE_COLUMNS]
        ]
    )
    text = out.getvalue()
    return ("\ufeff" + text if dialect == Dialect.excel else text).encode("utf-8")


PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: sans-serif; font-size: 10.5pt; color: #111; max-width: 190mm; margin: auto; }
h1 { font-size: 18pt; margin: 0 0 2mm; } h2 { font-size: 13pt; margin: 6mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th, td { border-bottom: 1px solid #ccc; padding: 1.2mm 1.5mm; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.key { display: flex; flex-wrap: wrap; gap: 3mm; }
.key div { border: 1px solid #ccc; border-radius: 2mm; padding: 2mm 3mm; min-width: 28mm; }
.key b { display: block; font-size: 15pt; }
figure { margin: 2mm 0; break-inside: avoid; } svg { max-width: 100%; height: auto; }
.charts { display: flex; gap: 4mm; align-items: flex-start; }
section, table, tr { break-inside: avoid; }
@media print { a { color: inherit; text-decoration: none; } .noprint { display: none; } }
"""

STATUS = {"ridden": "syklet", "cancelled": "avlyst", "not_reported": "ikke rapportert"}
SOURCE = {
    "reported": "oppgitt",
    "actual_track": "faktisk spor",
    "planned_route": "planlagt rute",
    "no_route": "uten rute",
    "cancelled": "avlyst",
}


def _n(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ").replace(".", ",")
    return f"{int(value):,}".replace(",", " ")


def _page(title: str, body: list[str]) -> str:
    return (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{PRINT_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _table(head: list[tuple[str, bool]], rows: list[list[str]]) -> str:
    cells = "".join(f"<th{' class=n' if n else ''}>{escape(h)}</th>" for h, n in head)
    lines = [
        "<tr>"
        + "".join(
            f"<td{' class=n' if head[i][1] else ''}>{cell}</td>" for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    ]
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _key_figures(totals: Figures) -> str:
    boxes = [
        ("km syklet", totals.km_ridden),
        ("etapper syklet", totals.stages_ridden),
        ("passasjerer", totals.passengers),
        ("frivillige", totals.volunteers),
        ("partnere", totals.partners),
        ("arrangementer", totals.events_held),
        ("publikum", totals.audience),
        ("presseoppslag", totals.press_items),
    ]
    return (
        '<section class="key">'
        + "".join(f"<div><b>{_n(v)}</b>{escape(label)}</div>" for label, v in boxes)
        + "</section>"
    )


def to_html(report: TourReport, route_lines: list[tuple[list[list[float]], bool]]) -> str:
    scope = (
        next((c.county_name for c in report.counties if c.county == report.county), report.county)
        if report.county
        else "hele landet"
    )
    title = f"{report.tour_name}: resultater – {scope}"
    pva = report.plan_versus_actual
    body = [
        f"<h1>{escape(title)}</h1>",
        "<p>Hva ble resultatet av samskapingen? Alle tall er regnet ut fra det fylkene har "
        "rapportert etter hver etappe.</p>",
        _key_figures(report.totals),
        "<h2>Plan og resultat</h2>",
        _table(
            [("", False), ("Planlagt", True), ("Faktisk", True), ("Andel", True)],
            [
                [escape(label), _n(c.planned), _n(c.actual), f"{_n(c.percent)} %"]
                for label, c in (
                    ("Km", pva.km),
                    ("Arrangementer", pva.events),
                    ("Publikum", pva.audience),
                )
            ],
        ),
        "<h2>Fylkene</h2>",
        _table(
            [
                ("Fylke", False),
                ("Etapper", True),
                ("Km", True),
                ("Passasjerer", True),
                ("Frivillige", True),
                ("Partnere", True),
                ("Arrangementer", True),
                ("Publikum", True),
                ("Presse", True),
            ],
            [
                [
                    escape(c.county_name),
                    f"{c.stages_ridden} / {c.stages}",
                    f"{_n(c.km_ridden)} / {_n(c.km_planned)}",
                    _n(c.passengers),
                    _n(c.volunteers),
                    _n(c.partners),
                    f"{c.events_held} / {c.events_planned}",
                    f"{_n(c.audience)} / {_n(c.audience_expected)}",
                    _n(c.press_items),
                ]
                for c in report.counties
            ],
        ),
        '<div class="charts"><figure>',
        charts.county_bars(
            "Km per fylke",
            [charts.Bar(c.county_name, c.km_planned, c.km_ridden) for c in report.counties],
        ),
        "</figure></div><figure>",
        charts.week_line(
            "Km over ukene (akkumulert)",
            _cumulative(report),
        ),
        "</figure><figure>",
        charts.route_sketch("Skisse av ruten som ble syklet", route_lines),
        "</figure>",
        "<h2>Etappene</h2>",
        _table(
            [
                ("Nr", True),
                ("Dato", False),
                ("Etappe", False),
                ("Status", False),
                ("Km", True),
                ("Passasjerer", True),
                ("Frivillige", True),
                ("Publikum", True),
            ],
            [
                [
                    str(s.sequence),
                    s.date.isoformat(),
                    escape(s.name),
                    escape(STATUS.get(s.status, s.status))
                    + (f" ({escape(s.cancel_reason)})" if s.cancel_reason else ""),
                    _n(s.km_ridden)
                    + (
                        f" <small>({escape(SOURCE[s.distance_source])})</small>"
                        if s.distance_source
                        else ""
                    ),
                    _n(s.passengers),
                    _n(s.volunteers),
                    _n(s.audience),
                ]
                for s in report.stages
            ],
        ),
    ]
    if report.coverage:
        body.append("<h2>I mediene</h2><ul>")
        for item in report.coverage:
            headline = escape(item.headline)
            if item.link:
                headline = f'<a href="{escape(item.link)}">{headline}</a>'
            body.append(
                f"<li>{escape(item.outlet)}, {item.published_on.isoformat()}: {headline}</li>"
            )
        body.append("</ul>")
    if report.content:
        body.append("<h2>Innhold som kan brukes videre</h2><ul>")
        for piece in report.content:
            text = escape(piece.caption or piece.kind)
            if piece.link:
                text = f'<a href="{escape(piece.link)}">{text}</a>'
            credit = f" – {escape(piece.credit)}" if piece.credit else ""
            body.append(f"<li>{text}{credit}</li>")
        body.append("</ul>")
    return _page(title, body)


def _cumulative(report: TourReport) -> list[tuple[str, float, float]]:
    planned = 0.0
    points = []
    for week in report.weeks:
        planned += week.km_planned
        points.append((week.week, round(planned, 1), week.km_ridden_to_date))
    return points


def partner_html(sheet: PartnerSheet) -> str:
    title = f"Takk, {sheet.name}!"
    t = sheet.totals
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>Sykkelturen i {escape(sheet.county_name)}: dette fikk vi til sammen. "
        f"Per {sheet.generated_on.isoformat()}.</p>",
        '<section class="key">',
        *(
            f"<div><b>{_n(v)}</b>{escape(label)}</div>"
            for label, v in (
                ("etapper", t.stages),
                ("timer", t.hours),
                ("arrangementer", t.events),
                ("publikum", t.audience),
                ("passasjerer", t.passengers),
                ("km syklet", t.km_ridden),
                ("presseoppslag", t.press_items),
            )
        ),
        "</section>",
    ]
    if sheet.contributions:
        body.append("<h2>Bidraget deres</h2>")
        body.append(
            _table(
                [
                    ("Dato", False),
                    ("Etappe", False),
                    ("Hva", False),
                    ("Timer", True),
                    ("Naturalia", False),
                ],
                [
                    [
                        c.date.isoformat(),
                        escape(c.stage_name),
                        escape(c.what),
                        _n(c.hours),
                        escape(c.in_kind or ""),
                    ]
                    for c in sheet.contributions
                ],
            )
        )
    if sheet.events:
        body.append("<h2>Arrangementene dere var med på</h2>")
        body.append(
            _table(
                [
                    ("Dato", False),
                    ("Arrangement", False),
                    ("Sted", False),
                    ("Ventet", True),
                    ("Kom", True),
                ],
                [
                    [
                        e.date.isoformat(),
                        escape(e.title),
                        escape(e.place or e.stage_name),
                        _n(e.expected),
                        _n(e.came),
                    ]
                    for e in sheet.events
                ],
            )
        )
    if sheet.coverage:
        body.append("<h2>Der dere ble nevnt</h2><ul>")
        for item in sheet.coverage:
            headline = escape(item.headline)
            if item.link:
                headline = f'<a href="{escape(item.link)}">{headline}</a>'
            body.append(
                f"<li>{escape(item.outlet)}, {item.published_on.isoformat()}: {headline}</li>"
            )
        body.append("</ul>")
    return _page(title, body)
