"""Route ingest against a bare streaming lxml parse of the same file, in the same run.

    .venv/bin/python bench/ingest.py [--rounds 7] [--million]

Generates the 150 km stage (`make_samples.py --large`, about 40,000 points, 13 MB) in a
temporary folder, then times, interleaved round by round so machine noise hits all alike:

- baseline: lxml iterparse over the track points, reading lat/lon, clearing as it goes;
- read:     the service's hardened reader (`read_gpx`) into arrays;
- ingest:   read plus everything an upload computes (stats, simplified map line,
            compressed full line, snapping line);
- gpxpy:    `gpxpy.parse` of the same text (what the service must not run on uploads).

Peak memory growth is measured in a fresh process per case (ru_maxrss). With --million it
also ingests a generated 1,000,000-point file and reports its memory. With --refused it
sends a generated gzip of SYKKELTUREN_MAX_ROUTE_POINTS + 1 points (2,000,001 by default,
about 18 MB) through inflate and read, and reports how long and how much memory it takes
to refuse it.
"""

import argparse
import gzip
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gpxpy
from lxml import etree

from sykkelturen.config import Settings
from sykkelturen.gpx import geometry
from sykkelturen.gpx.reader import GpxRefused, read_gpx
from sykkelturen.routes.measurement import encode_line, measure
from sykkelturen.routes.service import inflate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "gpx"


def bare_parse(data: bytes) -> int:
    count = 0
    for _, element in etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag="{*}trkpt",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    ):
        float(element.get("lat"))
        float(element.get("lon"))
        count += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return count


def read(data: bytes) -> int:
    return read_gpx(data, max_points=10_000_000).point_count


def ingest(data: bytes) -> int:
    line = read_gpx(data, max_points=10_000_000)
    _, _, distance = measure(line)
    geometry.simplify(line.lat, line.lon, line.ele, 5.0)
    encode_line(line, distance)
    geometry.SnapLine(line.lat, line.lon, distance)
    return line.point_count


def refuse(data: bytes) -> int:
    """What an upload over the point limit costs before its 422 (inflate, then read)."""
    try:
        read_gpx(
            inflate(data, limit=Settings().max_inflated_bytes, gzip_encoded=True),
            max_points=Settings().max_route_points,
        )
    except GpxRefused as refused:
        if refused.code != "too_many_points":
            raise
        return 0
    raise AssertionError("the file was not refused")


def gpxpy_parse(data: bytes) -> int:
    return int(gpxpy.parse(data.decode("utf-8")).get_track_points_no())


CASES: dict[str, Callable[[bytes], int]] = {
    "baseline": bare_parse,
    "read": read,
    "ingest": ingest,
    "gpxpy": gpxpy_parse,
}
EXTRA_CASES: dict[str, Callable[[bytes], int]] = {"refuse": refuse}


def timed(function: Callable[[bytes], int], data: bytes) -> float:
    started = time.perf_counter()
    function(data)
    return time.perf_counter() - started


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(case: str, path: str) -> None:
    """Run in a fresh process: load the file, reset the peak, run the case, print the growth."""
    data = Path(path).read_bytes()
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM (the peak) to the current size
    before = _status_kib("VmRSS")
    (CASES | EXTRA_CASES)[case](data)
    print((_status_kib("VmHWM") - before) * 1024)


def peak_growth(case: str, path: Path) -> int:
    """Bytes the case adds to the peak resident size of a fresh process holding the file."""
    result = subprocess.run(
        # As a module from the repository root: run as a file, bench/ would come first on
        # the path and its http.py would shadow the standard library's `http`.
        [sys.executable, "-m", "bench.ingest", "--child", case, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip())


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--million", action="store_true", help="also ingest a 1,000,000-point file")
    parser.add_argument(
        "--refused", action="store_true", help="also refuse a file one point over the limit"
    )
    parser.add_argument("--child", nargs=2, metavar=("CASE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, str(SAMPLES / "make_samples.py"), "--large", folder],
            check=True,
            capture_output=True,
        )
        path = Path(folder) / "stage_large.gpx"
        data = path.read_bytes()
        times: dict[str, list[float]] = {case: [] for case in CASES}
        for _ in range(args.rounds):
            for case, function in CASES.items():
                if case == "gpxpy" and len(times["gpxpy"]) >= 3:
                    continue  # slow and steady; three runs are enough
                times[case].append(timed(function, data))
        medians = {case: statistics.median(values) for case, values in times.items()}
        ratios = [r / b for r, b in zip(times["read"], times["baseline"], strict=True)]
        full = [r / b for r, b in zip(times["ingest"], times["baseline"], strict=True)]
        report: dict[str, Any] = {
            "file_bytes": len(data),
            "points": read(data),
            "median_seconds": {case: round(value, 3) for case, value in medians.items()},
            "read_vs_baseline": round(statistics.median(ratios), 2),
            "ingest_vs_baseline": round(statistics.median(full), 2),
            "gpxpy_vs_read": round(medians["gpxpy"] / medians["read"], 1),
            "peak_growth_vs_file": {
                case: round(peak_growth(case, path) / len(data), 2)
                for case in ("baseline", "read", "ingest")
            },
        }
        if args.million:
            big = million_point_file(Path(folder))
            started = time.perf_counter()
            growth = peak_growth("ingest", big)
            report["million_points"] = {
                "file_bytes": big.stat().st_size,
                "peak_growth_mb": round(growth / 2**20),
                "within_1_gb": growth < 2**30,
                "seconds_including_process_start": round(time.perf_counter() - started, 1),
            }
        if args.refused:
            over = over_limit_file(Path(folder))
            started = time.perf_counter()
            growth = peak_growth("refuse", over)
            report["refused_over_point_limit"] = {
                "file_bytes_sent": over.stat().st_size,
                "peak_growth_mb": round(growth / 2**20),
                "seconds_including_process_start": round(time.perf_counter() - started, 1),
            }
        print(json.dumps(report, indent=2))
        print(
            f"read {report['read_vs_baseline']}x the bare parse (target <= 1.5); "
            f"gpxpy.parse {report['gpxpy_vs_read']}x slower than read (target >= 5); "
            f"peak growth {report['peak_growth_vs_file']['ingest']}x the file (target <= 2)"
        )


if __name__ == "__main__":
    main()
