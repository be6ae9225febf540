"""A power cut in the middle of writes: the server is killed with SIGKILL while county
contacts edit stages and upload routes, then started again on the same database."""

import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import load
from tests import live


def test_sigkill_mid_write_loses_nothing_acknowledged(tmp_path: Path) -> None:
    database_url = live.live_database_url(tmp_path)
    live.command(database_url, "migrate")
    tokens = load.tokens_for(database_url)
    log_path = tmp_path / "server.log"

    server = live.start(database_url, log_path, workers=2)
    try:
        plan = load.prepare(server.url, tokens["national"])
        result: list[tuple[load.Ledger, float]] = []
        writers = threading.Thread(
            target=lambda: result.append(load.run(server.url, tokens, plan, seconds=4))
        )
        writers.start()
        time.sleep(2)
        server.kill()  # SIGKILL to every worker: no shutdown, no flush
        writers.join()
    finally:
        server.kill()
    ledger, _ = result[0]
    answered = [c for c in ledger.calls if c.status is not None]
    assert any(c.write and c.status in load.WRITE_OK for c in answered)
    assert any(c.status is None for c in ledger.calls), "the kill came after the run"

    if make_url(database_url).get_backend_name() == "sqlite":
        path = make_url(database_url).database
        assert path is not None
        with closing(sqlite3.connect(path)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    with live.serving(database_url, log_path) as restarted:
        wrong = load.verify(restarted.url, tokens["national"], plan, ledger, crashed=True)
    assert wrong == []
