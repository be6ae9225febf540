"""Route ingest against libxml2 building the whole tree of the same file, in the same run.

    .venv/bin/python -m bench.ingest [--rounds 9] [--against REV ...] [--million]

Generates the 150 km stage (`make_samples.py --large`, 40,061 points, 13 MB) in a
temporary folder, then times (CPU seconds of the process), interleaved round by round
(the order rotating) so machine noise hits all alike, and reports medians of each
round's ratio to that round's baseline:

- tree:    `lxml.etree.fromstring` of the bytes: libxml2 building the whole tree (the
           baseline: parsing with nothing read out of it, memory about 10x the file);
- read:    the service's hardened streaming reader (`read_gpx`) into arrays;
- ingest:  everything an upload computes: `prepare_upload` (read, measure, digest,
           gzip of the original) and what `store_upload` derives (stored line, point
           times, map line, snapping line), without the database;
- gpxpy:   `gpxpy.parse` of the same text (what the service must not run on uploads),
           three times after the rounds.

With --against REV (a commit, e.g. the reader before issue 13; repeatable) the reader of
that commit, taken from git, is timed in the same rounds as read@REV and ingest@REV (the
same ingest with that reader in place of today's).

Peak memory growth is measured in a fresh process per case (VmHWM). It also inflates and
reads a generated gzip of SYKKELTUREN_MAX_ROUTE_POINTS + 1 points (2,000,001 by default)
and reports how long refusing it takes and the peak memory of each step, beside the
reader's bound. With --million it also ingests a 1,000,000-point file.
"""

import argparse
import contextlib
import ctypes
import gc
import gzip
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import gpxpy
from lxml import etree

from sykkelturen.config import Settings
from sykkelturen.gpx import geometry, reader
from sykkelturen.gpx.reader import GpxRefused, read_gpx
from sykkelturen.routes import service
from sykkelturen.routes.measurement import encode_line
from sykkelturen.routes.service import Upload, inflate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "gpx"
MAX_POINTS = 10_000_000


def whole_tree(data: bytes) -> int:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return len(etree.fromstring(data, parser))


def read(data: bytes) -> int:
    return read_gpx(data, max_points=MAX_POINTS).point_count


def ingest(data: bytes) -> int:
    prepared = service.prepare_upload(
        Upload(raw=data, filename="stage_large.gpx", note=None, gzip_encoded=False),
        max_inflated_bytes=Settings().max_inflated_bytes,
        max_points=MAX_POINTS,
        track=None,
        import_waypoints=False,
    )
    line = prepared.line
    encode_line(line, prepared.distance)
    if line.times is not None:
        zlib.compress(line.times.astype("<f8").tobytes(), 1)
    geometry.simplify(line.lat, line.lon, line.ele, service.SIMPLIFY_MAP_M)
    geometry.SnapLine(line.lat, line.lon, prepared.distance)
    return line.point_count


def inflate_upload(data: bytes) -> int:
    """The first half of refusing a gzip upload over the point limit: inflating it."""
    return len(inflate(data, limit=Settings().max_inflated_bytes, gzip_encoded=True))


def refuse(data: bytes) -> int:
    """The second half: reading the inflated text up to the point limit and the 422."""
    try:
        read_gpx(data, max_points=Settings().max_route_points)
    except GpxRefused as refused:
        if refused.code != "too_many_points":
            raise
        return 0
    raise AssertionError("the file was not refused")


def gpxpy_parse(data: bytes) -> int:
    return int(gpxpy.parse(data.decode("utf-8")).get_track_points_no())


CASES: dict[str, Callable[[bytes], int]] = {"tree": whole_tree, "read": read, "ingest": ingest}
CHILD_CASES: dict[str, Callable[[bytes], int]] = CASES | {
    "inflate": inflate_upload,
    "refuse": refuse,
}


def reader_at(revision: str) -> ModuleType:
    """src/sykkelturen/gpx/reader.py as it was at `revision`, from git, as a module."""
    git = shutil.which("git")
    if git is None:
        raise SystemExit("--against needs git and the repository's history")
    source = subprocess.run(
        [git, "show", f"{revision}:src/sykkelturen/gpx/reader.py"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / "reader_then.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("reader_then", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def reader_in_service(function: Callable[..., Any]) -> Iterator[None]:
    """The upload path with another reader in place of today's."""
    today = service.read_gpx  # type: ignore[attr-defined]
    service.read_gpx = function  # type: ignore[attr-defined]
    try:
        yield
    finally:
        service.read_gpx = today  # type: ignore[attr-defined]


def cases_against(revision: str) -> dict[str, Callable[[bytes], int]]:
    then = reader_at(revision)

    def read_then(data: bytes) -> int:
        return int(then.read_gpx(data, max_points=MAX_POINTS).point_count)

    def ingest_then(data: bytes) -> int:
        with reader_in_service(then.read_gpx):
            return ingest(data)

    return {f"read@{revision}": read_then, f"ingest@{revision}": ingest_then}


def _malloc_trim() -> Callable[[], object]:
    """glibc's malloc_trim: hands freed memory back to the system (a no-op elsewhere)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return lambda: None
    return lambda: libc.malloc_trim(0)


malloc_trim = _malloc_trim()


def timed(function: Callable[[bytes], int], data: bytes) -> float:
    """CPU seconds of this process: what other processes on the shared cores do to the
    wall clock does not count (everything timed here runs on this one thread). Each
    run starts from a collected, trimmed heap, so no case finds memory another case
    faulted in (a whole tree after gpxpy, say, runs a third faster on warm pages)."""
    gc.collect()
    malloc_trim()
    started = time.process_time()
    function(data)
    return time.process_time() - started


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(case: str, path: str) -> None:
    """Run in a fresh process: load the file, reset the peak, run the case, print the
    growth of the peak and the CPU seconds the case took."""
    data = Path(path).read_bytes()
    warm_up = read if case in ("inflate", "refuse") else CHILD_CASES[case]
    warm_up((SAMPLES / "stage_valldal_stordal.gpx").read_bytes())  # imports, caches
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM (the peak) to the current size
    before = _status_kib("VmRSS")
    started = time.process_time()
    CHILD_CASES[case](data)
    seconds = time.process_time() - started
    print(json.dumps({"growth": (_status_kib("VmHWM") - before) * 1024, "seconds": seconds}))


def in_fresh_process(case: str, path: Path) -> dict[str, float]:
    """Peak resident growth (bytes) and CPU seconds of a case in a fresh process holding
    the file."""
    result = subprocess.run(
        # As a module from the repository root: run as a file, bench/ would come first on
        # the path and its http.py would shadow the standard library's `http`.
        [sys.executable, "-m", "bench.ingest", "--child", case, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout)
    return figures


def million_point_file(folder: Path) -> Path:
    path = folder / "million.gpx"
    with path.open("w") as out:
        out.write(
            '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>\n'
        )
        for i in range(1_000_000):
            lat, lon = 60 + i * 1e-6, 10 + i * 1e-6
            out.write(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><ele>{i % 500}.0</ele></trkpt>\n')
        out.write("</trkseg></trk></gpx>\n")
    return path


def over_limit_file(folder: Path) -> Path:
    """A gzip of one point more than the limit: what a refused upload is made of."""
    path = folder / "over_limit.gpx.gz"
    count = Settings().max_route_points + 1
    with gzip.open(path, "wt", compresslevel=6) as out:
        out.write('<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>\n')
        for i in range(count):
            out.write(f'<trkpt lat="{60 + i * 1e-7:.7f}" lon="{10 + i * 1e-7:.7f}"/>\n')
        out.write("</trkseg></trk></gpx>\n")
    return path


def interleaved(
    cases: dict[str, Callable[[bytes], int]], data: bytes, rounds: int
) -> dict[str, list[float]]:
    """Seconds per case per round; each round runs every case once, the order rotating."""
    times: dict[str, list[float]] = {case: [] for case in cases}
    names = list(cases)
    for number in range(rounds):
        order = names[number % len(names) :] + names[: number % len(names)]
        for case in order:
            times[case].append(timed(cases[case], data))
    return times


def median_ratio(times: list[float], baseline: list[float]) -> float:
    """The median of the ratios of the rounds a case ran in to the same rounds' baseline."""
    return statistics.median(t / b for t, b in zip(times, baseline, strict=False))


def refused_figures(folder: Path) -> dict[str, Any]:
    """Inflating and reading a gzip one point over the limit, each in a fresh process:
    the peak of inflating (the text, and zlib's piece of it in hand) and the growth of reading
    beyond the inflated text, against the reader's bound (24 bytes a point up to the
    limit, as elevations are NaN and no time is there, plus one piece of the document
    as text, tree and lists of values: about 16 times CHUNK, measured)."""
    over = over_limit_file(folder)
    text = folder / "over_limit.gpx"
    text.write_bytes(gzip.decompress(over.read_bytes()))
    inflating = in_fresh_process("inflate", over)
    reading = in_fresh_process("refuse", text)
    points = Settings().max_route_points
    return {
        "file_bytes_sent": over.stat().st_size,
        "inflated_bytes": text.stat().st_size,
        "cpu_seconds": round(inflating["seconds"] + reading["seconds"], 1),
        "inflate_peak_growth_mb": round(inflating["growth"] / 2**20),
        "inflate_peak_vs_text": round(inflating["growth"] / text.stat().st_size, 2),
        "read_peak_growth_mb": round(reading["growth"] / 2**20),
        "read_bound_mb": round((24 * points + 16 * reader.CHUNK) / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument(
        "--against",
        metavar="REV",
        action="append",
        default=[],
        help="also time the reader of this commit (repeatable)",
    )
    parser.add_argument("--million", action="store_true", help="also ingest a 1,000,000-point file")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    cases = dict(CASES)
    for revision in args.against:
        cases |= cases_against(revision)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, str(SAMPLES / "make_samples.py"), "--large", folder],
            check=True,
            capture_output=True,
        )
        path = Path(folder) / "stage_large.gpx"
        data = path.read_bytes()
        times = interleaved(cases, data, args.rounds)
        # Last: its gigabytes of Python objects leave the allocator warm for a whole tree.
        gpxpy_seconds = statistics.median(timed(gpxpy_parse, data) for _ in range(3))
        tree = times["tree"]
        report: dict[str, Any] = {
            "file_bytes": len(data),
            "points": read(data),
            "rounds": args.rounds,
            "median_cpu_seconds": {
                case: round(statistics.median(v), 3) for case, v in times.items()
            },
            "vs_whole_tree": {
                case: round(median_ratio(values, tree), 2)
                for case, values in times.items()
                if case != "tree"
            },
            "gpxpy_cpu_seconds": round(gpxpy_seconds, 2),
            "gpxpy_vs_read": round(gpxpy_seconds / statistics.median(times["read"]), 1),
            "peak_growth_vs_file": {
                case: round(in_fresh_process(case, path)["growth"] / len(data), 2)
                for case in ("tree", "read", "ingest")
            },
            "refused_over_point_limit": refused_figures(Path(folder)),
        }
        if args.million:
            big = million_point_file(Path(folder))
            figures = in_fresh_process("ingest", big)
            report["million_points"] = {
                "file_bytes": big.stat().st_size,
                "peak_growth_mb": round(figures["growth"] / 2**20),
                "cpu_seconds": round(figures["seconds"], 1),
            }
        print(json.dumps(report, indent=2))
        ratios, growth = report["vs_whole_tree"], report["peak_growth_vs_file"]
        refused = report["refused_over_point_limit"]
        print(
            f"read {ratios['read']}x the whole tree (target <= 1.3), ingest {ratios['ingest']}x; "
            f"peak growth read {growth['read']}x, ingest {growth['ingest']}x the file "
            f"(target <= 1; the whole tree {growth['tree']}x); gpxpy.parse "
            f"{report['gpxpy_vs_read']}x slower than read; refusing "
            f"{refused['file_bytes_sent'] / 2**20:.1f} MB of gzip over the point limit "
            f"{refused['cpu_seconds']} s CPU: inflating {refused['inflate_peak_growth_mb']} MB "
            f"({refused['inflate_peak_vs_text']}x the text), "
            f"reading {refused['read_peak_growth_mb']} MB beyond the text "
            f"(bound {refused['read_bound_mb']} MB)"
        )
        for case in ratios:
            if "@" in case:
                print(f"{case} {ratios[case]}x the whole tree")


if __name__ == "__main__":
    main()
