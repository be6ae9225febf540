"""The reader takes points out of each segment in bulk (XPath lists, numpy conversion) while
streaming. These tests hold it to what a plain walk of the whole tree, point by point,
reads from the same files, to datetime's reading of every time, and to its memory bound:
after each piece of the document only the open path is left in the tree."""

import gzip
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

from sykkelturen.gpx import reader
from sykkelturen.gpx.reader import read_gpx
from tests.factories import SAMPLES

DEMO_GPX = Path(str(files("sykkelturen.demo").joinpath("gpx")))
LIMIT = 2_000_000


@dataclass
class _Walked:
    lat: list[float]
    lon: list[float]
    ele: list[float]
    time: list[float]
    starts: list[int]


def _point_by_point(data: bytes) -> _Walked:
    """What the file says, read from its whole tree one point at a time: the tracks'
    points (or the routes' when there is no track), each point's last <ele> and <time>."""
    root = etree.fromstring(
        data.removeprefix(b"\xef\xbb\xbf").lstrip(),
        etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
    )
    namespace = etree.QName(root).namespace

    def tag(name: str) -> str:
        return f"{{{namespace}}}{name}" if namespace else name

    def last_text(point: etree._Element, name: str) -> str | None:
        found = [child for child in point if child.tag == tag(name)]
        return found[-1].text if found else None

    def elevation(text: str | None) -> float:
        try:
            value = float(text or "")
        except ValueError:
            return math.nan
        return value if -500 <= value <= 9000 else math.nan

    def epoch(text: str | None) -> float:
        if not text or not text.strip():
            return math.nan
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            return math.nan
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()

    segments = [seg for trk in root.iter(tag("trk")) for seg in trk.iter(tag("trkseg"))]
    kind = "trkpt"
    if not any(seg.find(tag(kind)) is not None for seg in segments):
        segments, kind = list(root.iter(tag("rte"))), "rtept"
    read = _Walked([], [], [], [], [])
    for segment in segments:
        points = segment.findall(tag(kind))
        if points:
            read.starts.append(len(read.lat))
        for point in points:
            read.lat.append(float(point.get("lat", "nan")))
            read.lon.append(float(point.get("lon", "nan")))
            read.ele.append(elevation(last_text(point, "ele")))
            read.time.append(epoch(last_text(point, "time")))
    return read


def _files() -> list[tuple[str, bytes]]:
    found = [
        (path.name, path.read_bytes())
        for path in sorted(SAMPLES.glob("*.gpx"))
        if path.name != "gpxpy__unicode_with_bom.gpx"  # waypoints only
    ]
    found += [
        (path.name, gzip.decompress(path.read_bytes()))
        for path in sorted(DEMO_GPX.glob("*.gpx.gz"))
    ]
    return found


def _same(got: np.ndarray, expected: list[float]) -> bool:
    return bool(np.array_equal(got, np.array(expected, dtype=np.float64), equal_nan=True))


@pytest.mark.parametrize("chunk", [61, reader.CHUNK], ids=["61-byte pieces", "default pieces"])
@pytest.mark.parametrize(("name", "data"), _files(), ids=[name for name, _ in _files()])
def test_bulk_reading_equals_a_point_by_point_walk(
    name: str, data: bytes, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "CHUNK", chunk)
    line = read_gpx(data, max_points=LIMIT)
    expected = _point_by_point(data)
    assert _same(line.lat, expected.lat), name
    assert _same(line.lon, expected.lon), name
    assert _same(line.ele, expected.ele), name
    times = line.times if line.times is not None else np.full(line.point_count, np.nan)
    assert _same(times, expected.time), name
    assert line.segment_starts == (expected.starts or [0])
    assert line.times_known == int(np.count_nonzero(~np.isnan(times)))


def _epochs(texts: list[str]) -> np.ndarray:
    """Each time as the reader reads one on its own (datetime.fromisoformat)."""
    epochs = [reader._epoch(text) for text in texts]
    return np.array([np.nan if e is None else e for e in epochs], dtype=np.float64)


UNIFORM = [
    [f"2026-06-05T04:{m:02d}:{s:02d}Z" for m in range(3) for s in range(0, 60, 7)],
    [f"2026-06-05T23:59:{s:02d}" for s in range(60)],  # no zone: read as UTC
    [f"2026-12-31T23:59:59.{f:03d}Z" for f in range(0, 1000, 37)],
    [f"2026-01-01T00:00:00.{f}Z" for f in range(10)],  # one digit, with Z: 22 wide
    [f"2026-01-01T00:00:00.{f:02d}" for f in range(99)],  # two digits, no Z: 22 wide too
    [f"2026-03-01T12:00:00.{f:06d}Z" for f in (0, 1, 999_999, 123_456)],
    ["1901-01-01T00:00:00Z", "1969-12-31T23:59:59.5Z", "1970-01-01T00:00:00.0Z"][:1],
    ["2028-02-29T00:00:00Z", "2026-06-05T04:00:00Z"],
]
ODD = [
    ["2026-06-05T04:00:00.1234567Z", "2026-06-05T04:00:00.1234568Z"],  # 7 digits
    ["2026-06-05T06:00:00+02:00", "2026-06-05T04:00:00Z"],  # an offset
    ["2026-02-30T00:00:00Z", "2026-02-28T00:00:00Z"],  # no such day
    ["2026-06-05T24:00:00Z", "2026-06-05T23:59:60Z"],  # no such hour, a leap second
    ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z"],  # years datetime refuses, or ±285
    ["9999-12-31T23:59:59Z", "2026-06-05T04:00:00Z"],
    [" 2026-06-05T04:00:00Z", "2026-06-05T04:00:00Z "],  # spaces around
    ["２０２６-06-05T04:00:00Z", "2026-06-05T04:00:00Z"],  # digits that are not ASCII
    ["2026-06-05 04:00:00Z", "2026-06-05t04:00:00Z"],  # separators datetime accepts
    ["garbage", "", "2026-06-05T04:00:00Z"],
    # Texts that, run together, would split into valid rows of one layout:
    ["2026-06-05T04:00:00", "Z2026-06-05T04:00:00Z"],
    ["2026-06-05T04:00:00Z\n2026-06-05T04:00:0", "0Z"],
]


@pytest.mark.parametrize("texts", UNIFORM + ODD)
def test_times_read_in_bulk_are_what_datetime_reads(texts: list[str]) -> None:
    assert np.array_equal(reader._times(texts), _epochs(texts), equal_nan=True)


@pytest.mark.parametrize("texts", UNIFORM)
def test_times_written_alike_take_the_bulk_path(texts: list[str]) -> None:
    assert reader._uniform_times(texts) is not None


def test_elevations_read_in_bulk_are_what_float_reads() -> None:
    texts = ["12.5", " 7 ", "1e3", "-32768", "nan", "inf", "x", "", "１２", "1_0"]
    expected = []
    for text in texts:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        expected.append(value if math.isfinite(value) else math.nan)
    assert _same(reader._elevations(texts), expected)
    assert _same(reader._elevations(texts[:4]), expected[:4])  # the one-pass path


def _open_tree_sizes(data: bytes, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many elements the tree holds after each piece has been read and tidied."""
    sizes: list[int] = []
    tidy = reader._Collector.tidy

    def counting(self: reader._Collector, root: etree._Element) -> None:
        tidy(self, root)
        sizes.append(sum(1 for _ in root.iter()))

    monkeypatch.setattr(reader._Collector, "tidy", counting)
    monkeypatch.setattr(reader, "CHUNK", 4096)
    read_gpx(data, max_points=LIMIT)
    return sizes


def _gpx(body: str) -> bytes:
    return f'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">{body}</gpx>'.encode()


POINTS = "".join(
    f'<trkpt lat="{60 + i * 1e-4:.5f}" lon="10"><ele>{i % 300}</ele>'
    f"<extensions><hr>{i % 90}</hr></extensions></trkpt>"
    for i in range(5000)
)


@pytest.mark.parametrize(
    "body",
    [
        f"<trk><trkseg>{POINTS}</trkseg></trk>",
        f"<metadata><trk><trkseg>{POINTS}</trkseg></trk></metadata>",  # misplaced, read
        "<extensions>" + "<junk><a>1</a></junk>" * 20_000 + "</extensions>"
        "<trk><trkseg><trkpt lat='1' lon='1'/><trkpt lat='2' lon='2'/></trkseg></trk>",
        "".join(f'<wpt lat="1" lon="{i * 1e-4}"><name>W</name></wpt>' for i in range(5000))
        + "<trk><trkseg><trkpt lat='1' lon='1'/><trkpt lat='2' lon='2'/></trkseg></trk>",
    ],
    ids=["a long track", "a track in metadata", "unknown elements", "many waypoints"],
)
def test_only_the_open_path_stays_in_the_tree(body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = _open_tree_sizes(_gpx(body), monkeypatch)
    assert len(sizes) > 20  # many pieces
    # A piece of 4 KB holds at most a few hundred elements; what stays is the open path
    # (gpx, trk, trkseg) and the point or element still arriving.
    assert max(sizes) < 200, max(sizes)


def test_a_point_outside_any_segment_is_not_read() -> None:
    """GPX puts track points in a <trkseg> and route points in a <rte>; the reader takes
    points only from there (a <trkpt> straight inside <trk> is not a track)."""
    stray = "".join(f'<trkpt lat="{5 + i}" lon="5"/>' for i in range(3))
    line = read_gpx(
        _gpx(
            f"<trk>{stray}<trkseg><trkpt lat='1' lon='1'/><trkpt lat='2' lon='2'/></trkseg></trk>"
        ),
        max_points=LIMIT,
    )
    assert line.lat.tolist() == [1.0, 2.0]


def test_threads_reading_at_once_share_the_compiled_paths_safely() -> None:
    """Uploads are read in worker threads; the XPath objects are compiled once per
    namespace and shared."""
    data = (SAMPLES / "tour_three_stages.gpx").read_bytes()
    expected = read_gpx(data, max_points=LIMIT)
    with ThreadPoolExecutor(max_workers=4) as pool:
        lines = list(pool.map(lambda _: read_gpx(data, max_points=LIMIT), range(16)))
    for line in lines:
        assert np.array_equal(line.lat, expected.lat)
        assert np.array_equal(line.ele, expected.ele, equal_nan=True)
        assert line.segment_starts == expected.segment_starts
