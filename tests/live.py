"""A real server for the tests that need one: `sykkelturen serve` in its own process group,
on loopback, on its own database (a SQLite file, or a fresh PostgreSQL database beside the
one in DATABASE_URL), with its JSON log kept for the test to read."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

SERVE = [sys.executable, "-m", "sykkelturen.cli", "serve"]


def live_database_url(tmp_path: Path, postgres_url: str | None = None) -> str:
    """An empty database for a live server: PostgreSQL when given one or when the suite
    runs on it (DATABASE_URL), otherwise a SQLite file in `tmp_path`."""
    url = postgres_url or os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'live.db'}"
    # Named after the suite's own database, so two suites on one server keep apart.
    live = f"{make_url(url).database}_live"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{live}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{live}"'))
    admin.dispose()
    return make_url(url).set(database=live).render_as_string(hide_password=False)


def command(database_url: str, *args: str) -> str:
    """Run a `sykkelturen` command on the database; returns what it printed."""
    result = subprocess.run(
        [sys.executable, "-m", "sykkelturen.cli", *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def token(database_url: str, role: str, *counties: str) -> str:
    county_args = [arg for county in counties for arg in ("--county", county)]
    return command(database_url, "token", "create", "--role", role, "--name", role, *county_args)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> list[dict[str, Any]]:
        # The last line may still be being written: read only finished ones.
        lines = self.log_path.read_text("utf-8").split("\n")[:-1]
        return [json.loads(line) for line in lines if line.startswith("{")]

    def access_log(self) -> list[dict[str, Any]]:
        return [entry for entry in self.log() if entry["logger"] == "sykkelturen.access"]

    def access_lines(self, request_ids: set[str]) -> dict[str, dict[str, Any]]:
        """The access lines of these requests, by request id. A worker writes a request's
        line after its response has gone out, so a client can hold the last answer before
        its line is in the log: wait for them all (for at most ten seconds)."""
        deadline = time.monotonic() + 10
        while True:
            log = self.access_log()
            lines = {e["request_id"]: e for e in log if e["request_id"] in request_ids}
            if lines.keys() == request_ids or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown, no flush, like a power cut."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start(database_url: str, log_path: Path, *, workers: int = 1) -> LiveServer:
    """Start `sykkelturen serve` (which migrates first) and wait until /readyz answers."""
    port = free_port()
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port), "--workers", str(workers)],
            env={**os.environ, "DATABASE_URL": database_url},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text('utf-8')[-3000:]}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"server did not get ready: {log_path.read_text('utf-8')[-3000:]}")


@contextmanager
def serving(database_url: str, log_path: Path, *, workers: int = 1) -> Iterator[LiveServer]:
    server = start(database_url, log_path, workers=workers)
    try:
        yield server
    finally:
        server.stop()
