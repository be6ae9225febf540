"""The national run sheet against raw SQL, 304s against a trivial endpoint, and `passing`.

    .venv/bin/python -m bench.runsheet [--stages 300] [--requests 5] [--rounds 7] [--identity]

Serves the app with uvicorn on loopback and asks over one kept-alive connection. Builds,
in a temporary SQLite file, a tour of 300 stages of 10 km (3,000 km) with a route,
10 checkpoints and 10 measures each, then measures in the same run:

- the national run sheet (JSON) at one connection, against a baseline that reads the same
  rows (stages, checkpoints, measures) with raw sqlite3 and serialises them with json:
  repeated requests (served from the body kept under its ETag), the first build in a fresh
  process, and, round by round interleaved with the baseline (medians; the machine is
  shared, so single figures are noisy), the first pull after one stage changed and the
  first pull after every stage changed (each change an ORM update with its audit entry,
  as the service writes, not timed);
- conditional requests answered 304, against the trivial `/healthz` of the same app;
- `passing` for places along the tour.

The client accepts gzip, as browsers do (the service compresses the 4 MB sheet, level 6);
`--identity` asks for the body uncompressed, to see what compression adds.
"""

import argparse
import datetime as dt
import json
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
from sqlmodel import Session, create_engine

from sykkelturen import schema_migrations
from sykkelturen.audit.models import AuditEntry
from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.config import Settings
from sykkelturen.gpx import geometry
from sykkelturen.gpx.reader import GpxLine
from sykkelturen.main import create_app
from sykkelturen.measures.models import Measure
from sykkelturen.routes.measurement import encode_line, measure
from sykkelturen.routes.models import RouteVersion
from sykkelturen.stages.models import Stage
from sykkelturen.tours.models import Tour, TourCounty


def build(settings: Settings, stages: int) -> list[tuple[float, float]]:
    """The tour; returns a place near each stage's midpoint, for `passing`."""
    schema_migrations.upgrade(settings)
    app = create_app(settings)
    places = []
    with Session(app.state.engine) as session:
        tour = Tour(
            name="Bench",
            start_date=dt.date(2026, 5, 1),
            end_date=dt.date(2026, 12, 31),
            time_zone="Europe/Oslo",
            speeds_kmh=[8.0, 10.0, 12.0],
        )
        session.add(tour)
        session.flush()
        assert tour.id is not None
        session.add(
            TourCounty(
                tour_id=tour.id, county="46", start_date=tour.start_date, end_date=tour.end_date
            )
        )
        session.flush()
        start = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
        for n in range(stages):
            day = dt.date(2026, 5, 1) + dt.timedelta(days=n // 2)
            stage = Stage(
                tour_id=tour.id,
                sequence=n + 1,
                county="46",
                name=f"Etappe {n + 1}",
                date=day,
                starts_at=start + dt.timedelta(days=n // 2),
                start_place=f"Sted {n}",
                finish_place=f"Sted {n + 1}",
                speeds_kmh=[8.0, 10.0, 12.0],
                bikes=6,
                needs={"pilots": 6, "cyclists": 0, "passengers": 0, "team": {}},
            )
            session.add(stage)
            session.flush()
            assert stage.id is not None
            lat = 58.0 + n * 0.09 + np.linspace(0, 0.09, 400)
            lon = 7.0 + 0.01 * np.sin(np.linspace(0, 6, 400))
            ele = 50 + 30 * np.sin(np.linspace(0, 9, 400))
            line = GpxLine(
                lat=lat,
                lon=lon,
                ele=ele,
                times_known=0,
                first_time=None,
                last_time=None,
                source="track",
                name=None,
                segment_starts=[0],
            )
            stats, _, distance = measure(line)
            session.add(
                RouteVersion(
                    stage_id=stage.id,
                    number=1,
                    sha256=f"{n:064d}",
                    original_gz=b"",
                    original_size=0,
                    original_media_type="application/gpx+xml",
                    uploaded_by="bench",
                    stats=stats.model_dump(mode="json") | {"track": None},
                    warnings=[],
                    geometry=encode_line(line, distance),
                    map_line=geometry.simplify(lat, lon, ele, 5.0),
                )
            )
            for k in range(10):
                i = k * 40
                session.add(
                    Checkpoint(
                        stage_id=stage.id,
                        name=f"Punkt {k}",
                        kind="rest" if k else "start",
                        lat=float(lat[i]),
                        lon=float(lon[i]),
                        km=float(distance[i]) / 1000,
                        offset_m=0.0,
                        dwell_minutes=5,
                    )
                )
                session.add(
                    Measure(
                        stage_id=stage.id,
                        kind="traffic_control",
                        title=f"Tiltak {k}",
                        km=float(distance[i]) / 1000,
                        lat=float(lat[i]),
                        lon=float(lon[i]),
                    )
                )
            places.append((float(lat[200]) + 0.001, float(lon[200])))
        session.add(
            AuditEntry(
                actor_role="national",
                actor_name="bench",
                action="create",
                resource_type="tour",
                resource_id=str(tour.id),
                tour_id=tour.id,
            )
        )
        session.commit()
    app.state.engine.dispose()
    return places


def median_seconds(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def raw_baseline(path: str) -> bytes:
    """Read the same rows with plain sqlite3 and serialise them."""
    connection = sqlite3.connect(path)
    stages = connection.execute(
        "SELECT id, sequence, county, name, date, starts_at, start_place, finish_place, speeds_kmh "
        "FROM stage ORDER BY sequence"
    ).fetchall()
    points = connection.execute(
        "SELECT stage_id, id, name, kind, km, dwell_minutes FROM checkpoint"
    ).fetchall()
    measures = connection.execute(
        "SELECT stage_id, id, kind, title, km, status, due_date FROM measure"
    ).fetchall()
    versions = connection.execute(
        "SELECT stage_id, number, status, stats FROM route_version"
    ).fetchall()
    connection.close()
    return json.dumps(
        {"stages": stages, "checkpoints": points, "measures": measures, "routes": versions}
    ).encode()


def change_stages(engine: Any, stage_ids: list[int], round_no: int) -> None:
    """Rename stages as the service would (version bumped, one audit entry)."""
    with Session(engine) as session:
        for stage_id in stage_ids:
            stage = session.get(Stage, stage_id)
            assert stage is not None
            stage.name = f"Etappe {stage.sequence} ({round_no})"
            session.add(stage)
        session.add(
            AuditEntry(
                actor_role="national",
                actor_name="bench",
                action="update",
                resource_type="stage",
                resource_id=str(stage_ids[0]),
                tour_id=1,
            )
        )
        session.commit()


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def after_changes(
    client: httpx.Client, url: str, path: str, stages: int, rounds: int
) -> tuple[float, list[float], list[float]]:
    """Round by round, interleaved: the baseline, the first pull after one stage changed,
    the baseline again, the first pull after every stage changed."""
    engine = create_engine(f"sqlite:///{path}")
    ids = list(range(1, stages + 1))
    one, every, baselines = [], [], []
    for n in range(rounds):
        baselines.append(timed(lambda: raw_baseline(path)))
        change_stages(engine, [ids[(n * 37) % len(ids)]], n)
        one.append(timed(lambda: client.get(url).raise_for_status()))
        baselines.append(timed(lambda: raw_baseline(path)))
        change_stages(engine, ids, n)
        every.append(timed(lambda: client.get(url).raise_for_status()))
    engine.dispose()
    return statistics.median(baselines), one, every


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stages", type=int, default=300)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--identity", action="store_true", help="Accept-Encoding: identity")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        settings = Settings.model_validate({"DATABASE_URL": f"sqlite:///{path}"})
        places = build(settings, args.stages)
        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            thread.join(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        client = httpx.Client(  # one connection, kept alive
            base_url=f"http://127.0.0.1:{port}",
            timeout=120,
            headers={"Accept-Encoding": "identity"} if args.identity else {},
        )
        url = "/api/v1/tours/1/run-sheet"
        started = time.perf_counter()
        first = client.get(url)
        cold = time.perf_counter() - started
        assert first.status_code == 200, first.text
        sheet = median_seconds(lambda: client.get(url), args.requests)
        baseline = median_seconds(lambda: raw_baseline(str(path)), args.requests)
        interleaved, one, every = after_changes(client, url, str(path), args.stages, args.rounds)
        tag = client.get(url).headers["ETag"]  # the current one, after the rounds' changes
        count = 300
        conditional = median_seconds(
            lambda: [client.get(url, headers={"If-None-Match": tag}) for _ in range(count)], 3
        )
        trivial = median_seconds(lambda: [client.get("/healthz") for _ in range(count)], 3)
        rng = np.random.default_rng(7)
        picks = [places[i] for i in rng.integers(0, len(places), 50)]
        for lat, lon in places:  # each process keeps a route's snapping line once it has used it
            client.get("/api/v1/tours/1/passing", params={"lat": lat, "lon": lon})
        passing = []
        for lat, lon in picks:
            started = time.perf_counter()
            client.get("/api/v1/tours/1/passing", params={"lat": lat, "lon": lon})
            passing.append(time.perf_counter() - started)
        client.close()
        server.should_exit = True
        thread.join(10)
        app.state.engine.dispose()
    report = {
        "stages": args.stages,
        "gzip": not args.identity,
        "run_sheet_cold_seconds": round(cold, 3),
        "run_sheet_cold_vs_baseline": round(cold / baseline, 1),
        "run_sheet_json_seconds": round(sheet, 3),
        "raw_sql_baseline_seconds": round(baseline, 4),
        "run_sheet_vs_baseline": round(sheet / baseline, 1),
        "interleaved_baseline_seconds": round(interleaved, 4),
        "one_stage_changed_seconds": round(statistics.median(one), 4),
        "one_stage_changed_vs_baseline": round(statistics.median(one) / interleaved, 1),
        "all_stages_changed_seconds": round(statistics.median(every), 4),
        "all_stages_changed_vs_baseline": round(statistics.median(every) / interleaved, 1),
        "rps_304": round(count / conditional),
        "rps_healthz": round(count / trivial),
        "rps_304_vs_healthz_percent": round(100 * trivial / conditional),
        "passing_median_ms": round(1000 * statistics.median(passing), 1),
        "run_sheet_bytes": len(first.content),
    }
    print(json.dumps(report, indent=2))
    print(
        f"run sheet {report['run_sheet_vs_baseline']}x raw SQL (target <= 3); 304s at "
        f"{report['rps_304_vs_healthz_percent']}% of /healthz req/s (target >= 25%); "
        f"passing median {report['passing_median_ms']} ms (target < 20 ms); "
        f"first build in a fresh process {report['run_sheet_cold_vs_baseline']}x; "
        f"after one stage changed {report['one_stage_changed_vs_baseline']}x (target <= 3), "
        f"after every stage changed {report['all_stages_changed_vs_baseline']}x (target <= 10); "
        f"medians of {args.rounds} interleaved rounds on a shared machine: noisy"
    )


if __name__ == "__main__":
    main()
