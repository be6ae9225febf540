"""The hardened reader over the sample files in tests/data/gpx (cross-checked with gpxpy) and over
generated hostile and broken files, each refused with its own stable code."""

import gzip
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import gpxpy
import numpy as np
import pytest

from sykkelturen.gpx.reader import GpxRefused, read_gpx
from tests.factories import SAMPLES, sample

DEMO_GPX = Path(str(files("sykkelturen.demo").joinpath("gpx")))

LIMIT = 2_000_000

GPX_OPEN = b'<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'


def gpx(body: str, head: bytes = GPX_OPEN) -> bytes:
    return head + body.encode() + b"</gpx>"


def track(*points: str) -> str:
    return "<trk><trkseg>" + "".join(points) + "</trkseg></trk>"


def pt(lat: object, lon: object, extra: str = "") -> str:
    return f'<trkpt lat="{lat}" lon="{lon}">{extra}</trkpt>'


TWO_POINTS = track(pt(62.27, 7.26), pt(62.28, 7.27))


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in SAMPLES.glob("*.gpx") if p.name != "gpxpy__unicode_with_bom.gpx"),
)
def test_samples_agree_with_gpxpy(name: str) -> None:
    line = read_gpx(sample(name), max_points=LIMIT)
    reference = gpxpy.parse((SAMPLES / name).read_text("utf-8"))
    if line.source == "track":
        expected = [
            (p.latitude, p.longitude, p.elevation)
            for t in reference.tracks
            for s in t.segments
            for p in s.points
        ]
    else:
        expected = [
            (p.latitude, p.longitude, p.elevation) for r in reference.routes for p in r.points
        ]
    assert line.point_count == len(expected)
    assert np.allclose(line.lat, [e[0] for e in expected])
    assert np.allclose(line.lon, [e[1] for e in expected])
    ele = np.array([np.nan if e[2] is None else e[2] for e in expected])
    assert np.array_equal(np.isnan(line.ele), np.isnan(ele))
    assert np.allclose(line.ele[~np.isnan(ele)], ele[~np.isnan(ele)])


def test_segments_and_tracks_are_joined_in_order() -> None:
    gap = read_gpx(sample("stage_two_segments_gap.gpx"), max_points=LIMIT)
    assert gap.segment_starts == [0, 331]
    tour = read_gpx(sample("tour_three_stages.gpx"), max_points=LIMIT)
    assert tour.segment_starts == [0, 1386, 2249]
    assert [w.code for w in tour.warnings] == ["tracks_joined"]


def test_one_track_can_be_picked() -> None:
    second = read_gpx(sample("tour_three_stages.gpx"), max_points=LIMIT, track=1)
    assert second.point_count == 863
    assert second.name == "Etappe 71: Lillesand – Grimstad"
    with pytest.raises(GpxRefused) as refused:
        read_gpx(sample("tour_three_stages.gpx"), max_points=LIMIT, track=3)
    assert refused.value.code == "track_not_found"


def test_missing_elevation_is_nan_not_zero() -> None:
    partial = read_gpx(sample("stage_partial_elevation.gpx"), max_points=LIMIT)
    assert np.isnan(partial.ele[:109]).all()
    assert not np.isnan(partial.ele[109:]).any()


def test_route_only_file_uses_its_route() -> None:
    line = read_gpx(sample("stage_route_only.gpx"), max_points=LIMIT)
    assert line.source == "route"
    assert line.point_count == 60
    assert line.times_known == 0
    assert line.first_time is None


def test_waypoints_are_kept_with_their_kind() -> None:
    line = read_gpx(sample("stage_with_waypoints.gpx"), max_points=LIMIT)
    assert [w.kind for w in line.waypoints] == ["start", "handover", "rest", "hazard", "finish"]
    assert line.waypoints[1].name == "Overlevering: Røra"


def test_first_and_last_times_are_epoch_seconds() -> None:
    line = read_gpx(sample("tour_three_stages.gpx"), max_points=LIMIT)
    assert line.times_known == 3132
    assert line.first_time == 1786435200  # 2026-08-11T08:00:00Z
    assert line.last_time == 1786614442  # 2026-08-13T09:47:22Z


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + gpx(TWO_POINTS),  # BOM
        b"\n\n   " + gpx(TWO_POINTS),  # whitespace before the declaration
        gpx(TWO_POINTS).replace(b">", b">\r\n"),  # CRLF
        b"<gpx>" + TWO_POINTS.encode() + b"</gpx>",  # no namespace, no version
        b'<gpx xmlns="http://www.topografix.com/GPX/1/0">' + TWO_POINTS.encode() + b"</gpx>",
        '<?xml version="1.0" encoding="ISO-8859-1"?><gpx><trk><name>Ålesund</name><trkseg>'.encode(
            "latin-1"
        )
        + (pt(62.47, 6.15) + pt(62.48, 6.16)).encode()
        + b"</trkseg></trk></gpx>",
        gpx(
            track(
                pt(62.27, 7.26, "<time></time>"),
                pt(62.28, 7.27, "<time>1901-01-01T00:00:00</time>"),
            )
        ),
        gpx(
            track(
                pt(62.27, 7.26, "<time>2022-06-16T11:30:00.1234567+02:00</time>"), pt(62.28, 7.27)
            )
        ),
        gpx("<trk><trkseg></trkseg></trk>" + TWO_POINTS),  # an empty segment
        b'<gpx xmlns:a="x">'
        + b'<trk xmlns:a="x">' * 1
        + b"<trkseg>"
        + (pt(1, 1) + pt(2, 2)).encode()
        + b"</trkseg></trk></gpx>",
    ],
)
def test_what_real_tools_write_is_read(data: bytes) -> None:
    assert read_gpx(data, max_points=LIMIT).point_count == 2


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<gpx><trk><name>&lol2;</name><trkseg><trkpt lat="1" lon="1"/><trkpt lat="2" lon="2"/>
</trkseg></trk></gpx>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gpx><trk><name>&xxe;</name><trkseg><trkpt lat="1" lon="1"/><trkpt lat="2" lon="2"/>
</trkseg></trk></gpx>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://example.org/gpx.dtd"><gpx/>"""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "not_xml"),
        (b"lat,lon\n62.1,7.2\n", "not_xml"),
        (b"<!DOCTYPE html><html><body>Error 500</body></html>", "not_gpx"),
        (b"<html><body>not found</body></html>", "not_gpx"),
        (gpx(TWO_POINTS)[:-20], "malformed_xml"),
        (b"<kml><Placemark/></kml>", "not_gpx"),
        (BILLION_LAUGHS, "doctype_refused"),
        (XXE, "doctype_refused"),
        (EXTERNAL_DTD, "doctype_refused"),
        (b"<gpx>" + b"<a>" * 300 + b"</a>" * 300 + b"</gpx>", "too_deep"),
        (
            gpx("<metadata><desc>" + "x" * 11_000_000 + "</desc></metadata>" + TWO_POINTS),
            "text_too_long",
        ),
        (
            gpx(
                "<trk><name>"
                + "x" * 100_000
                + "</name><trkseg>"
                + pt(1, 1)
                + pt(2, 2)
                + "</trkseg></trk>"
            ),
            "text_too_long",
        ),
        (gpx(track(pt(1, 1, "<ele>" + "9" * 70_000 + "</ele>"), pt(2, 2))), "text_too_long"),
        (
            b'<?xml version="1.0" encoding="UTF-8"?><gpx><trk><name>\xff\xfe</name></trk></gpx>',
            "malformed_xml",
        ),
        (
            "\ufeff".encode("utf-16") + gpx(TWO_POINTS).decode().encode("utf-16-le"),
            "unsupported_encoding",
        ),
        (gpx(TWO_POINTS).replace(b"</gpx>", b"\x00</gpx>"), "not_xml"),
        (gpx(track('<trkpt lon="1"/>', pt(1, 1))), "coordinate_missing"),
        (gpx(track(pt("undefined", 1), pt(1, 1))), "coordinate_invalid"),
        (gpx(track(pt("NaN", 1), pt(1, 1))), "coordinate_invalid"),
        (gpx(track(pt("inf", 1), pt(1, 1))), "coordinate_invalid"),
        (gpx(track(pt(91, 1), pt(1, 1))), "coordinate_invalid"),
        (gpx(track(pt(1, 500), pt(1, 1))), "coordinate_invalid"),
        (gpx(track(pt(1, 1))), "too_few_points"),
        (gpx(track(pt(1, 1), pt(1, 1), pt(1, 1))), "too_few_points"),
        (gpx('<wpt lat="1" lon="1"><name>Mål</name></wpt>'), "no_line"),
        (gpx(""), "no_line"),
    ],
)
def test_hostile_and_broken_files_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(GpxRefused) as refused:
        read_gpx(data, max_points=LIMIT)
    assert refused.value.code == code
    assert "passwd" not in refused.value.message


def test_point_limit_is_enforced_while_reading() -> None:
    data = gpx(track(*(pt(60 + i / 1000, 10) for i in range(101))))
    assert read_gpx(data, max_points=101).point_count == 101
    with pytest.raises(GpxRefused) as refused:
        read_gpx(data, max_points=100)
    assert refused.value.code == "too_many_points"


def test_the_bom_sample_is_waypoints_only() -> None:
    with pytest.raises(GpxRefused) as refused:
        read_gpx(sample("gpxpy__unicode_with_bom.gpx"), max_points=LIMIT)
    assert refused.value.code == "no_line"


def test_the_samples_are_there() -> None:
    """The samples live in the repository; without them the sample tests would vanish."""
    assert len(list(SAMPLES.glob("*.gpx"))) >= 13, SAMPLES
    assert (SAMPLES / "LICENSES").is_dir()


def test_the_generator_still_makes_the_synthetic_samples() -> None:
    result = subprocess.run(
        [sys.executable, str(SAMPLES / "make_samples.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "demo_file", sorted(p.name for p in (DEMO_GPX.iterdir()) if p.name.endswith(".gpx.gz"))
)
def test_the_demo_ships_the_samples_it_names(demo_file: str) -> None:
    """The demo carries its own compressed copies; they are the samples, byte for byte."""
    shipped = gzip.decompress((DEMO_GPX / demo_file).read_bytes())
    assert shipped == sample(demo_file.removesuffix(".gz"))
