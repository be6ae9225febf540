"""The command line on databases it should refuse, and the start-up it keeps cheap."""

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sykkelturen.cli import main


@pytest.mark.parametrize(
    "command",
    [
        ["token", "create", "--role", "national", "--name", "NF"],
        ["token", "list"],
        ["token", "revoke", "1"],
    ],
)
@pytest.mark.parametrize("state", ["missing", "empty"])
def test_token_commands_refuse_a_database_that_is_not_migrated(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    state: str,
) -> None:
    path = tmp_path / "other.db"
    if state == "empty":
        sqlite3.connect(path).close()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    assert main(command) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "DATABASE_URL" in err
    assert "sykkelturen migrate" in err
    assert state == "empty" or not path.exists()  # looking did not create the file


def test_token_commands_work_on_the_migrated_database(
    settings_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "create", "--role", "reader", "--name", "integrator"]) == 0
    assert capsys.readouterr().out.strip().startswith("syk_")


def test_the_command_line_does_not_import_the_demo_or_the_app() -> None:
    """Workers import the app by name; the command itself stays light (the demo alone took
    about two seconds to import on a busy 2-core machine)."""
    code = "import sys, sykkelturen.cli; print(sorted(m for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "sykkelturen.demo" not in out
    assert "sykkelturen.main" not in out


def test_serve_gives_workers_the_configured_time_to_start(
    settings_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setenv("SYKKELTUREN_WORKER_START_TIMEOUT_S", "90")
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: seen.update(kwargs))
    assert main(["serve", "--workers", "3"]) == 0
    assert seen["workers"] == 3
    assert seen["timeout_worker_healthcheck"] == 90
