"""Concurrent writers on a real server, then proof that nothing was lost.

    .venv/bin/python -m bench.load [--database sqlite|postgresql|both] [--seconds 20]
                                   [--workers 4] [--postgres-url URL]

PostgreSQL needs `--postgres-url`, a database of your own: the benchmark drops and creates
`<its name>_live` beside it (never CI's `test`, whose `test_live` the suite uses). Without
it only SQLite runs.

Starts `sykkelturen serve --workers N` on loopback (SQLite file and/or PostgreSQL) and
drives it from threads, each its own keep-alive connection:

- one county contact per county (15, 50, 46, 18) editing their stage (read, then write
  with `If-Match`), uploading new route versions and adding checkpoints;
- two contacts of county 15 racing on one stage: both read, both write with what they read
  (one of two such writes must be refused), and both upload its route at once (both land,
  as consecutive versions);
- NF pulling the national run sheet (JSON with `If-None-Match`, and CSV), and `/healthz` as
  the baseline of the same run.

Then checks: no 5xx and no dropped connection; every acknowledged write is in the final
state (stage versions count exactly the acknowledged edits, every uploaded version is
there with its checksum, every created checkpoint reads back); every refused race was
412 or 409; the audit log holds one entry per acknowledged write and none for refused
ones (matched by request id). Prints requests per second and p50/p99 per endpoint.
`tests/test_load.py` runs the same on both databases, small, in the test suite.
"""

import argparse
import hashlib
import itertools
import math
import random
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from tests import live

API = "/api/v1"
COUNTIES = ("15", "50", "46", "18")
WRITE_OK = {200, 201}
RACE_REFUSED = {409, 412}
CI_DATABASE = "test"  # .ci/run's; its `test_live` belongs to the suite running there


@dataclass
class Call:
    label: str
    status: int | None  # None: the connection failed
    ms: float
    request_id: str
    write: bool


@dataclass
class Ledger:
    """What the server answered; what it acknowledged must be there afterwards."""

    calls: list[Call] = field(default_factory=list)
    edits: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    uploads: list[tuple[int, int, str]] = field(default_factory=list)
    checkpoints: list[tuple[int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)


@dataclass(frozen=True)
class Plan:
    tour_id: int
    edit_stage: dict[str, int]  # per county: the stage its contact edits
    route_stage: dict[str, int]  # per county: the stage routes and checkpoints go to
    race_stage: int


class Caller:
    """One client with one token and one kept-alive connection, timing every call."""

    _ids = itertools.count()

    def __init__(self, base_url: str, token: str, ledger: Ledger, name: str) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120
        )
        self.ledger = ledger
        self.name = name

    def call(
        self, label: str, method: str, url: str, *, write: bool = False, **kwargs: Any
    ) -> httpx.Response | None:
        request_id = f"load-{self.name}-{next(self._ids)}"
        headers = {"X-Request-ID": request_id, **kwargs.pop("headers", {})}
        started = time.perf_counter()
        try:
            response = self.http.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError:
            self.ledger.add(Call(label, None, 0.0, request_id, write))
            return None
        ms = (time.perf_counter() - started) * 1000
        self.ledger.add(Call(label, response.status_code, ms, request_id, write))
        return response

    def close(self) -> None:
        self.http.close()


def gpx(name: str, lat: float, lon: float, points: int = 400) -> bytes:
    """A small track heading north-east from (lat, lon); `name` makes each file unique."""
    rows = "".join(
        f'<trkpt lat="{lat + i * 0.0002:.6f}" lon="{lon + i * 0.0003:.6f}">'
        f"<ele>{20 + 10 * math.sin(i / 40):.1f}</ele></trkpt>"
        for i in range(points)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="bench" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{name}</name><trkseg>{rows}</trkseg></trk></gpx>"
    ).encode()


def prepare(base_url: str, national_token: str) -> Plan:
    """A tour with the four counties, two stages each, and a stage to race on."""
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {national_token}"}, timeout=60
    ) as nf:

        def ok(response: httpx.Response) -> dict[str, Any]:
            assert response.status_code in WRITE_OK, response.text
            body: dict[str, Any] = response.json()
            return body

        tour = ok(
            nf.post(
                f"{API}/tours",
                json={"name": "Last", "start_date": "2026-06-01", "end_date": "2026-06-30"},
            )
        )
        edit_stage, route_stage = {}, {}
        sequence = itertools.count(1)
        for week, county in enumerate(COUNTIES):
            start = 1 + 7 * week
            ok(
                nf.post(
                    f"{API}/tours/{tour['id']}/counties",
                    json={
                        "number": county,
                        "start_date": f"2026-06-{start:02d}",
                        "end_date": f"2026-06-{start + 6:02d}",
                    },
                )
            )
            stages = [
                ok(
                    nf.post(
                        f"{API}/tours/{tour['id']}/stages",
                        json={
                            "sequence": next(sequence),
                            "county": county,
                            "name": f"Etappe {county}-{n}",
                            "date": f"2026-06-{start + n:02d}",
                            "start_time": "10:00",
                            "start_place": f"Start {county}-{n}",
                            "finish_place": f"Mål {county}-{n}",
                        },
                    )
                )
                for n in range(3 if county == "15" else 2)
            ]
            edit_stage[county], route_stage[county] = stages[0]["id"], stages[1]["id"]
            if county == "15":
                race_stage = stages[2]["id"]
        return Plan(tour["id"], edit_stage, route_stage, race_stage)


def edit(caller: Caller, stage_id: int, note: str, ledger: Ledger, label: str) -> int | None:
    """Read the stage, write a note with its ETag; returns the status of the write."""
    read = caller.call(f"GET stage ({label})", "GET", f"{API}/stages/{stage_id}")
    if read is None or read.status_code != 200:
        return None
    return write_note(caller, stage_id, read.headers["ETag"], note, ledger, label)


def write_note(
    caller: Caller, stage_id: int, etag: str, note: str, ledger: Ledger, label: str
) -> int | None:
    response = caller.call(
        f"PATCH stage ({label})",
        "PATCH",
        f"{API}/stages/{stage_id}",
        write=True,
        json={"notes": note},
        headers={"If-Match": etag},
    )
    if response is None:
        return None
    if response.status_code == 200:
        with ledger.lock:
            ledger.edits[stage_id].append((response.json()["version"], note))
    return response.status_code


def upload(caller: Caller, stage_id: int, content: bytes, ledger: Ledger, label: str) -> None:
    response = caller.call(
        label,
        "PUT",
        f"{API}/stages/{stage_id}/route",
        write=True,
        content=content,
        headers={"Content-Type": "application/gpx+xml"},
    )
    if response is not None and response.status_code == 201:
        with ledger.lock:
            ledger.uploads.append(
                (stage_id, response.json()["version"], hashlib.sha256(content).hexdigest())
            )


def county_contact(
    caller: Caller, county: str, plan: Plan, ledger: Ledger, until: float, rng: random.Random
) -> None:
    lat, lon = 62.0 + COUNTIES.index(county), 7.0 + COUNTIES.index(county)
    for n in itertools.count():
        if time.monotonic() >= until:
            return
        action = rng.choice(("edit", "edit", "upload", "checkpoint"))
        if action == "edit":
            edit(caller, plan.edit_stage[county], f"{caller.name} #{n}", ledger, "edit")
        elif action == "upload":
            content = gpx(f"{caller.name} #{n}", lat, lon)
            upload(caller, plan.route_stage[county], content, ledger, "PUT route")
        else:
            stage_id = plan.route_stage[county]
            response = caller.call(
                "POST checkpoint",
                "POST",
                f"{API}/stages/{stage_id}/checkpoints",
                write=True,
                json={"name": f"{caller.name} #{n}", "kind": "rest", "lat": lat, "lon": lon},
            )
            if response is not None and response.status_code == 201:
                with ledger.lock:
                    ledger.checkpoints.append((stage_id, response.json()["id"]))


def racer(caller: Caller, plan: Plan, ledger: Ledger, until: float, rng: random.Random) -> None:
    """Edit the race stage with what was read a moment ago, or upload its route: both
    contacts of the county do it at once."""
    for n in itertools.count():
        if time.monotonic() >= until:
            return
        if n % 4 == 3:
            content = gpx(f"{caller.name} #{n}", 62.3, 7.26)
            upload(caller, plan.race_stage, content, ledger, "PUT route (race)")
            continue
        read = caller.call("GET stage (race)", "GET", f"{API}/stages/{plan.race_stage}")
        if read is None or read.status_code != 200:
            continue
        time.sleep(rng.uniform(0, 0.02))  # the other contact is typing too
        write_note(
            caller, plan.race_stage, read.headers["ETag"], f"{caller.name} #{n}", ledger, "race"
        )


def national(caller: Caller, plan: Plan, until: float) -> None:
    etag = ""
    url = f"{API}/tours/{plan.tour_id}/run-sheet"
    for n in itertools.count():
        if time.monotonic() >= until:
            return
        response = caller.call(
            "GET run-sheet (json)", "GET", url, headers={"If-None-Match": etag} if etag else {}
        )
        if response is not None and response.status_code == 200:
            etag = response.headers.get("ETag", "")
        if n % 3 == 0:
            caller.call("GET run-sheet (csv)", "GET", url, params={"format": "csv"})
        caller.call("GET /healthz", "GET", "/healthz")


def first_race(base_url: str, tokens: tuple[str, str], plan: Plan, ledger: Ledger) -> None:
    """Two contacts read the same version and both write: the second must be refused."""
    a = Caller(base_url, tokens[0], ledger, "race-a")
    b = Caller(base_url, tokens[1], ledger, "race-b")
    try:
        reads = [
            c.call("GET stage (race)", "GET", f"{API}/stages/{plan.race_stage}") for c in (a, b)
        ]
        etags = [r.headers["ETag"] for r in reads if r is not None]
        assert len(etags) == 2, "both contacts read the stage"
        assert etags[0] == etags[1], "both contacts read one version"
        assert write_note(a, plan.race_stage, etags[0], "race-a first", ledger, "race") == 200
        assert (
            write_note(b, plan.race_stage, etags[1], "race-b late", ledger, "race") in RACE_REFUSED
        )
    finally:
        a.close()
        b.close()


def run(
    base_url: str, tokens: dict[str, str], plan: Plan, *, seconds: float, seed: int = 2022
) -> tuple[Ledger, float]:
    ledger = Ledger()
    first_race(base_url, (tokens["15"], tokens["15b"]), plan, ledger)
    until = time.monotonic() + seconds
    callers: list[Caller] = []
    threads: list[threading.Thread] = []

    def start(name: str, token: str, target: Any, *args: Any) -> None:
        caller = Caller(base_url, token, ledger, name)
        callers.append(caller)
        threads.append(threading.Thread(target=target, args=(caller, *args), name=name))

    for i, county in enumerate(COUNTIES):
        rng = random.Random(seed + i)
        start(f"county-{county}", tokens[county], county_contact, county, plan, ledger, until, rng)
    start("race-a", tokens["15"], racer, plan, ledger, until, random.Random(seed + 10))
    start("race-b", tokens["15b"], racer, plan, ledger, until, random.Random(seed + 11))
    start("nf", tokens["national"], national, plan, until)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for caller in callers:
        caller.close()
    return ledger, elapsed


def all_pages(nf: httpx.Client, url: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = nf.get(
            url, params={**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def verify(
    base_url: str, national_token: str, plan: Plan, ledger: Ledger, *, crashed: bool = False
) -> list[str]:
    """Everything wrong with the answers and the final state, in words; empty when all holds.

    `crashed`: the server was killed during the run, so writes whose answer never came may
    or may not have landed; what was acknowledged must be there all the same.
    """
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {national_token}"}, timeout=60
    ) as nf:
        return (
            _wrong_statuses(ledger, crashed=crashed)
            + _lost_edits(nf, ledger, crashed=crashed)
            + _lost_uploads(nf, plan, ledger, crashed=crashed)
            + _lost_checkpoints(nf, ledger)
            + _audit_mismatches(nf, plan, ledger)
        )


def _wrong_statuses(ledger: Ledger, *, crashed: bool) -> list[str]:
    allowed = {
        "PATCH stage (edit)": WRITE_OK,
        "PATCH stage (race)": WRITE_OK | RACE_REFUSED,
        "PUT route": WRITE_OK,
        "PUT route (race)": WRITE_OK,  # versions append: both uploads land, in turn
        "POST checkpoint": WRITE_OK,
    }
    wrong = []
    for call in ledger.calls:
        expected = allowed.get(call.label)
        if call.status is None:
            if not crashed:
                wrong.append(f"{call.label} ({call.request_id}): the connection failed")
        elif call.status >= 500 or (expected is not None and call.status not in expected):
            wrong.append(f"{call.label} ({call.request_id}) answered {call.status}")
    return wrong


def _lost_edits(nf: httpx.Client, ledger: Ledger, *, crashed: bool) -> list[str]:
    """Each acknowledged edit made exactly one version; the last one's note is kept."""
    wrong = []
    for stage_id, acknowledged in ledger.edits.items():
        stage = nf.get(f"{API}/stages/{stage_id}").json()
        versions = sorted(v for v, _ in acknowledged)
        last_version, last_note = max(acknowledged)
        if crashed:  # an unanswered edit may have landed after the last acknowledged one
            exact = len(set(versions)) == len(versions) and last_version <= stage["version"]
        else:
            exact = versions == list(range(2, stage["version"] + 1))
        if not exact:
            wrong.append(
                f"stage {stage_id} is at version {stage['version']} after "
                f"{len(versions)} acknowledged edits"
            )
        if last_version == stage["version"] and last_note != stage["notes"]:
            wrong.append(f"stage {stage_id} lost its last acknowledged note")
    return wrong


def _lost_uploads(nf: httpx.Client, plan: Plan, ledger: Ledger, *, crashed: bool) -> list[str]:
    """Every acknowledged version is stored whole: its original matches its checksum."""
    wrong = []
    for stage_id in {*plan.route_stage.values(), plan.race_stage}:
        stored = {
            v["version"]: v["sha256"]
            for v in all_pages(nf, f"{API}/stages/{stage_id}/route/versions")
        }
        uploaded = {v: sha for s, v, sha in ledger.uploads if s == stage_id}
        landed = {v: sha for v, sha in stored.items() if v in uploaded}
        if (landed if crashed else stored) != uploaded:
            wrong.append(
                f"stage {stage_id}: versions {sorted(stored)} stored, "
                f"{sorted(uploaded)} acknowledged"
            )
        for number, sha256 in stored.items():
            version = nf.get(f"{API}/stages/{stage_id}/route/versions/{number}")
            original = nf.get(f"{API}/stages/{stage_id}/route/versions/{number}/original")
            if version.status_code != 200 or hashlib.sha256(original.content).hexdigest() != sha256:
                wrong.append(f"stage {stage_id} version {number} is not whole")
    return wrong


def _lost_checkpoints(nf: httpx.Client, ledger: Ledger) -> list[str]:
    return [
        f"checkpoint {checkpoint_id} was acknowledged but is gone"
        for stage_id, checkpoint_id in ledger.checkpoints
        if nf.get(f"{API}/stages/{stage_id}/checkpoints/{checkpoint_id}").status_code != 200
    ]


def _audit_mismatches(nf: httpx.Client, plan: Plan, ledger: Ledger) -> list[str]:
    """One audit entry per acknowledged write, none for a refused one (by request id)."""
    audited: dict[str, int] = defaultdict(int)
    for entry in all_pages(nf, f"{API}/audit", tour_id=plan.tour_id):
        if (entry["request_id"] or "").startswith("load-"):
            audited[entry["request_id"]] += 1
    acknowledged = {c.request_id for c in ledger.calls if c.write and c.status in WRITE_OK}
    # Not those never answered (a killed server): they may or may not have landed.
    refused = {
        c.request_id
        for c in ledger.calls
        if c.write and c.status is not None and c.status not in WRITE_OK
    }
    wrong = []
    if missing := acknowledged - audited.keys():
        wrong.append(f"{len(missing)} acknowledged writes have no audit entry, e.g. {min(missing)}")
    if several := {rid for rid, count in audited.items() if count != 1}:
        wrong.append(f"{len(several)} writes have several audit entries, e.g. {min(several)}")
    if phantom := refused & audited.keys():
        wrong.append(f"{len(phantom)} refused writes left audit entries, e.g. {min(phantom)}")
    return wrong


# Issue 15: the slowest writes (p99 of each write endpoint) while NF pulls the run sheet.
WRITE_P99_TARGET_MS = {"sqlite": 400.0, "postgresql": 250.0}
WRITES = ("PATCH stage (edit)", "POST checkpoint", "PUT route")


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)] if ordered else math.nan
    )


def write_targets(ledger: Ledger, kind: str) -> str:
    target = WRITE_P99_TARGET_MS[kind]
    lines = []
    for label in WRITES:
        ms = [c.ms for c in ledger.calls if c.label == label and c.status is not None]
        value = p99(ms)
        verdict = "met" if value <= target else "missed"
        lines.append(f"write p99 {label:<22}{value:>8.0f} ms   target ≤ {target:.0f} ms: {verdict}")
    return "\n".join(lines)


def report(ledger: Ledger, elapsed: float) -> str:
    by_label: dict[str, list[Call]] = defaultdict(list)
    for call in ledger.calls:
        by_label[call.label].append(call)
    baseline = (
        statistics.median(c.ms for c in by_label["GET /healthz"])
        if by_label["GET /healthz"]
        else math.nan
    )
    lines = [
        f"{len(ledger.calls)} requests in {elapsed:.1f} s: {len(ledger.calls) / elapsed:.0f} req/s",
        f"{'endpoint':<26}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'p50/healthz':>13}  statuses",
    ]
    for label, calls in sorted(by_label.items()):
        ms = sorted(c.ms for c in calls if c.status is not None)
        p50 = statistics.median(ms) if ms else math.nan
        slowest = p99(ms)
        statuses: dict[int | None, int] = defaultdict(int)
        for c in calls:
            statuses[c.status] += 1
        counts = " ".join(f"{s}×{n}" for s, n in sorted(statuses.items(), key=lambda i: str(i[0])))
        lines.append(
            f"{label:<26}{len(calls):>7}{len(calls) / elapsed:>8.1f}{p50:>9.1f}{slowest:>9.1f}"
            f"{p50 / baseline:>13.1f}  {counts}"
        )
    return "\n".join(lines)


def tokens_for(database_url: str) -> dict[str, str]:
    tokens = {county: live.token(database_url, "county", county) for county in COUNTIES}
    tokens["15b"] = live.token(database_url, "county", "15")
    tokens["national"] = live.token(database_url, "national")
    return tokens


def load_test(
    database_url: str, log_path: Path, *, workers: int, seconds: float
) -> tuple[Ledger, float, list[str]]:
    """Serve the database with `workers` processes, run the load, verify the final state."""
    live.command(database_url, "migrate")
    tokens = tokens_for(database_url)
    with live.serving(database_url, log_path, workers=workers) as server:
        plan = prepare(server.url, tokens["national"])
        ledger, elapsed = run(server.url, tokens, plan, seconds=seconds)
        wrong = verify(server.url, tokens["national"], plan, ledger)
    return ledger, elapsed, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql", "both"],
        help="default: both with --postgres-url, else sqlite",
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--postgres-url",
        help="a PostgreSQL database of your own; <its name>_live is dropped and made anew",
    )
    args = parser.parse_args()
    database = args.database or ("both" if args.postgres_url else "sqlite")
    kinds = ["sqlite", "postgresql"] if database == "both" else [database]
    if "postgresql" in kinds:
        if not args.postgres_url:
            parser.error("PostgreSQL needs --postgres-url (a database of your own)")
        if make_url(args.postgres_url).database == CI_DATABASE:
            parser.error(f"--postgres-url names CI's database {CI_DATABASE!r}; use your own")
    failed = False
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp:
            url = (
                f"sqlite:///{Path(tmp) / 'load.db'}"
                if kind == "sqlite"
                else live.live_database_url(Path(tmp), args.postgres_url)
            )
            ledger, elapsed, wrong = load_test(
                url, Path(tmp) / "server.log", workers=args.workers, seconds=args.seconds
            )
        print(f"\n== {kind}, {args.workers} workers, {args.seconds:.0f} s ==")
        print(report(ledger, elapsed))
        print(write_targets(ledger, kind))
        print("nothing lost: " + ("yes" if not wrong else "NO\n  " + "\n  ".join(wrong)))
        failed |= bool(wrong)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
