"""Requests per second of the service's lean paths against a bare FastAPI hello-world app.

    .venv/bin/python -m bench.http [--seconds 10] [--connections 4] [--rounds 3]

Needs `wrk` (Debian: `apt-get install wrk`): a C load generator, so the client is not
the bottleneck (one thread of it saturates a uvicorn worker here). Starts, on loopback,
the hello-world app of `bench/hello.py` and the service with the demo tour on a
temporary SQLite file, each as one uvicorn worker with the same settings, then
alternates between them round by round so both see the same machine. Prints each
endpoint's median req/s and its ratio to hello-world's in the same run.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests import live

WRK = shutil.which("wrk") or ""
HELLO = [sys.executable, "-m", "uvicorn", "bench.hello:app", "--log-level", "warning"]
REQUESTS_PER_SEC = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
# Targets of issue 15: share of hello-world's req/s.
TARGETS = {"/healthz": 0.70, "stage": 0.30, "50 stages": 0.15}


@contextmanager
def hello_world() -> Iterator[str]:
    port = live.free_port()
    process = subprocess.Popen(
        [*HELLO, "--port", str(port)], start_new_session=True, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wrk(url: str, seconds: int, connections: int) -> float:
    result = subprocess.run(
        [WRK, "-t1", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    found = REQUESTS_PER_SEC.search(result.stdout)
    assert found, result.stdout
    return float(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not WRK:
        print("bench/http.py needs wrk: apt-get install wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        live.command(database_url, "demo")
        os.environ["SYKKELTUREN_LOG_LEVEL"] = "warning"
        with (
            hello_world() as hello,
            live.serving(database_url, Path(tmp) / "server.log") as server,
        ):
            api = f"{server.url}/api/v1"
            tour = httpx.get(f"{api}/tours?limit=1").json()["items"][0]["id"]
            stage = httpx.get(f"{api}/tours/{tour}/stages?limit=1").json()["items"][0]["id"]
            targets = {
                "hello-world": f"{hello}/",
                "/healthz": f"{server.url}/healthz",
                "stage": f"{api}/stages/{stage}",
                "50 stages": f"{api}/tours/{tour}/stages?limit=50",
            }
            for url in targets.values():  # warm up, and check every target answers
                assert httpx.get(url).status_code == 200, url
            rates: dict[str, list[float]] = {name: [] for name in targets}
            for _ in range(args.rounds):
                for name, url in targets.items():
                    rates[name].append(wrk(url, args.seconds, args.connections))
    base = statistics.median(rates["hello-world"])
    print(f"{args.rounds} rounds of {args.seconds} s, {args.connections} connections, 1 worker")
    print(f"{'endpoint':<14}{'req/s':>10}{'vs hello-world':>16}{'target':>9}")
    for name, values in rates.items():
        rate = statistics.median(values)
        target = TARGETS.get(name)
        shown = f"≥ {target:.0%}" if target else ""
        print(f"{name:<14}{rate:>10.0f}{rate / base:>16.0%}{shown:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
