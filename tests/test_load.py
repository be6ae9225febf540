"""Concurrent writers on a live server with two workers, on the suite's database: nothing
acknowledged is lost, refused races are 412/409, the audit log matches the writes. A
small run of `bench/load.py` (which prints the figures for the README)."""

from pathlib import Path

from bench import load
from tests import live


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    database_url = live.live_database_url(tmp_path)
    ledger, _, wrong = load.load_test(database_url, tmp_path / "server.log", workers=2, seconds=4)
    assert wrong == []
    statuses = {(c.label, c.status) for c in ledger.calls}
    # The run did what it claims: edits, uploads, checkpoints, races lost and won, run sheets.
    for expected in [
        ("PATCH stage (edit)", 200),
        ("PUT route", 201),
        ("POST checkpoint", 201),
        ("PATCH stage (race)", 200),
        ("PATCH stage (race)", 412),
        ("PUT route (race)", 201),
        ("GET run-sheet (json)", 200),
    ]:
        assert expected in statuses
